/** Users (admins only): list, create with a role and scope, change role, reset password, disable, delete; then API tokens. */
import { Alert, Badge, Button, Card, Group, Modal, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import type { Me, Role, UserView } from '../../api/payloads';
import { useDeleteUser, useResetPassword, useUpdateUser, useUsers } from '../../api/users';
import { ConfirmButton } from '../../components/confirm-button';
import { errorMessage } from '../../components/error-notice';
import { QueryState } from '../../components/query-state';
import { TableHead } from '../../components/table-head';
import { ApiTokensCard } from './api-tokens-card';
import { ROLE_OPTIONS } from './role-words';
import { CreateUserForm, ResetPasswordForm } from './user-form';

export function UsersPage({ me }: { me: Me }) {
  const users = useUsers();
  const update = useUpdateUser();
  const remove = useDeleteUser();
  const reset = useResetPassword();
  const [creating, setCreating] = useState(false);
  const [resetting, setResetting] = useState<UserView | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const actionError = update.error ?? remove.error;
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Users</Title>
        <Button onClick={() => setCreating(true)}>New user</Button>
      </Group>
      {notice ? (
        <Text c="teal" size="sm" role="status">
          {notice}
        </Text>
      ) : null}
      {actionError ? (
        <Alert color="red" role="alert" title="Not changed" withCloseButton onClose={() => (update.error ? update.reset() : remove.reset())}>
          {errorMessage(actionError)}
        </Alert>
      ) : null}
      <QueryState query={users} loading="Loading users" />
      {users.data ? (
        <Card withBorder p={0} className="table-wrap">
          <Table verticalSpacing="xs" striped data-testid="users-table">
            <TableHead columns={['User', 'Role', 'Scope', 'State', 'Actions']} />
            <Table.Tbody>
              {users.data.map((user) => {
                const self = user.id === me.user.id;
                return (
                  <Table.Tr key={user.id} data-username={user.username}>
                    <Table.Td>
                      <Text size="sm" fw={600}>
                        {user.username}
                        {self ? ' (you)' : ''}
                      </Text>
                      {user.displayName && user.displayName !== user.username ? (
                        <Text size="xs" c="dimmed">
                          {user.displayName}
                        </Text>
                      ) : null}
                    </Table.Td>
                    <Table.Td>
                      <Select
                        aria-label={`Role of ${user.username}`}
                        data={ROLE_OPTIONS.map((option) => ({ value: option.value, label: option.label }))}
                        value={user.role}
                        onChange={(role) => role && role !== user.role && update.mutate({ id: user.id, change: { role: role as Role } }, { onSuccess: () => setNotice(`${user.username} is now ${role}.`) })}
                        allowDeselect={false}
                        disabled={self}
                        size="xs"
                        w={170}
                      />
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{user.scope ? `${user.scope.siteIds.length} site(s), ${user.scope.zoneIds.length} zone(s)` : 'Everything'}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4}>
                        <Badge color={user.disabled ? 'gray' : 'teal'} variant="light">
                          {user.disabled ? 'Disabled' : 'Active'}
                        </Badge>
                        {user.mustChangePassword ? (
                          <Badge color="yellow" variant="light">
                            Must change password
                          </Badge>
                        ) : null}
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4} wrap="nowrap">
                        <Button size="xs" variant="default" onClick={() => setResetting(user)}>
                          Reset password
                        </Button>
                        {!self ? (
                          <Button size="xs" variant="default" onClick={() => update.mutate({ id: user.id, change: { disabled: !user.disabled } }, { onSuccess: () => setNotice(`${user.username} is ${user.disabled ? 'enabled again' : 'disabled: their sessions ended'}.`) })}>
                            {user.disabled ? 'Enable' : 'Disable'}
                          </Button>
                        ) : null}
                        {!self ? (
                          <ConfirmButton size="xs" label="Delete" title={`Delete ${user.username}?`} question="The account and its sessions are removed. The audit log keeps what they did. This cannot be undone." confirmLabel="Delete user" onConfirm={() => remove.mutateAsync(user.id).then(() => setNotice(`${user.username} was deleted.`))} />
                        ) : null}
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Card>
      ) : null}
      <ApiTokensCard />
      <Modal opened={creating} onClose={() => setCreating(false)} title="New user" size="lg">
        <CreateUserForm
          onDone={(username) => {
            setCreating(false);
            setNotice(`${username} was created. Give them the first password; they choose their own at first sign-in.`);
          }}
        />
      </Modal>
      <Modal
        opened={resetting !== null}
        onClose={() => {
          setResetting(null);
          reset.reset();
        }}
        title={`Reset the password of ${resetting?.username ?? ''}`}
      >
        <ResetPasswordForm
          pending={reset.isPending}
          error={reset.error}
          onSubmit={(newPassword) =>
            resetting &&
            reset.mutate(
              { id: resetting.id, newPassword },
              {
                onSuccess: (user) => {
                  setResetting(null);
                  setNotice(`${user.username}'s password was reset; they must change it at next sign-in.`);
                },
              },
            )
          }
        />
      </Modal>
    </Stack>
  );
}
