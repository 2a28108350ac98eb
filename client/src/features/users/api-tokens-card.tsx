/** API tokens for scripts: create (the token is shown once), list, revoke. */
import { Alert, Badge, Button, Card, Code, CopyButton, Group, NumberInput, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import type { Role } from '../../api/payloads';
import { useApiTokens, useCreateApiToken, useRevokeApiToken } from '../../api/users';
import { ConfirmButton } from '../../components/confirm-button';
import { errorMessage } from '../../components/error-notice';
import { fieldErrorsOf } from '../../components/form-errors';
import { FormFailure } from '../../components/form-failure';
import { QueryState } from '../../components/query-state';
import { TableHead } from '../../components/table-head';
import { ROLE_OPTIONS, roleLabel } from './role-words';

const STATUS_COLOR = { active: 'teal', expired: 'gray', revoked: 'red' } as const;

export function ApiTokensCard() {
  const tokens = useApiTokens();
  const create = useCreateApiToken();
  const revoke = useRevokeApiToken();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('read-only');
  const [days, setDays] = useState<number | string>(90);
  const errors = fieldErrorsOf(create.error);
  return (
    <Card withBorder>
      <Stack gap="sm">
        <Title order={3}>API tokens</Title>
        <Text size="sm" c="dimmed">
          For scripts and integrations: send it as "Authorization: Bearer …". A token acts with its role and expires.
        </Text>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            create.mutate({ name: name.trim(), role, expiresInDays: typeof days === 'number' ? days : Number(days) }, { onSuccess: () => setName('') });
          }}
        >
          <Group align="flex-start">
            <TextInput label="Token name" placeholder="e.g. SIEM inventory script" value={name} onChange={(event) => setName(event.currentTarget.value)} error={errors.at('name')} w={280} />
            <Select label="Token role" data={ROLE_OPTIONS.map((option) => ({ value: option.value, label: option.label }))} value={role} onChange={(value) => setRole((value ?? 'read-only') as Role)} allowDeselect={false} error={errors.at('role')} w={180} />
            <NumberInput label="Expires in (days)" value={days} onChange={setDays} min={1} max={365} error={errors.at('expiresInDays')} w={150} />
            <Button type="submit" mt={25} loading={create.isPending}>
              Create token
            </Button>
          </Group>
        </form>
        <FormFailure error={create.error} errors={errors} />
        {create.data ? (
          <Alert color="teal" title="Copy the token now: it is shown only this once" data-testid="new-api-token">
            <Group gap="xs" wrap="nowrap">
              <Code className="break-all">{create.data.token}</Code>
              <CopyButton value={create.data.token}>
                {({ copied, copy }) => (
                  <Button size="xs" variant="light" onClick={copy}>
                    {copied ? 'Copied' : 'Copy'}
                  </Button>
                )}
              </CopyButton>
            </Group>
          </Alert>
        ) : null}
        {revoke.error ? (
          <Alert color="red" role="alert" title="Not revoked">
            {errorMessage(revoke.error)}
          </Alert>
        ) : null}
        <QueryState query={tokens} loading="Loading API tokens" size="sm" />
        {tokens.data?.length === 0 ? <Text size="sm" c="dimmed">No API tokens yet.</Text> : null}
        {tokens.data && tokens.data.length > 0 ? (
          <Table verticalSpacing={4} data-testid="api-tokens-table">
            <TableHead columns={['Name', 'Role', 'State', 'Created', 'Expires', 'Last used', '']} />
            <Table.Tbody>
              {tokens.data.map((token) => (
                <Table.Tr key={token.id} data-token-name={token.name}>
                  <Table.Td>{token.name}</Table.Td>
                  <Table.Td>{roleLabel(token.role)}</Table.Td>
                  <Table.Td>
                    <Badge color={STATUS_COLOR[token.status]} variant="light">
                      {token.status}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    {new Date(token.createdAt).toLocaleDateString()} by {token.createdBy.username}
                  </Table.Td>
                  <Table.Td>{new Date(token.expiresAt).toLocaleDateString()}</Table.Td>
                  <Table.Td>{token.lastUsedAt ? new Date(token.lastUsedAt).toLocaleString() : 'Never'}</Table.Td>
                  <Table.Td>
                    {token.status === 'active' ? (
                      <ConfirmButton size="xs" label="Revoke" title={`Revoke ${token.name}?`} question="Scripts using this token stop working at once. This cannot be undone." confirmLabel="Revoke token" onConfirm={() => revoke.mutateAsync(token.id)} />
                    ) : null}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        ) : null}
      </Stack>
    </Card>
  );
}
