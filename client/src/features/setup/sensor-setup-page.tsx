/**
 * System settings → Sensor setup: the standing connection string (copy,
 * expiry, regenerate), a single-use string for one zone, and the list of
 * strings with revoke. A sensor enrols by pasting a string into its
 * Management Console Connection dialog or `sensor-link connect <string>`.
 */
import { Alert, Badge, Button, Card, Group, NumberInput, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { CONNECTION_STRINGS_KEY, useConnectionStrings, useCreateSingleUse, useRegenerateStanding, useRevokeConnectionString, useStandingString } from '../../api/enrollment';
import { useZones } from '../../api/fleet';
import { ApiError } from '../../api/http';
import { useLiveRefresh } from '../../api/live';
import type { Me } from '../../api/payloads';
import { can } from '../../api/session';
import { ConfirmButton } from '../../components/confirm-button';
import { ErrorNotice, errorMessage } from '../../components/error-notice';
import { QueryState } from '../../components/query-state';
import { TableHead } from '../../components/table-head';
import { formatDateTime } from '../sensors/sensor-format';
import { ConnectionStringBox } from './connection-string-box';

const STATE_COLORS = { active: 'teal', expired: 'gray', 'used-up': 'gray', revoked: 'red' } as const;

export function SensorSetupPage({ me }: { me: Me }) {
  useLiveRefresh('connection-strings', CONNECTION_STRINGS_KEY);
  if (!can(me, 'enrollment:manage')) return <Text c="dimmed">Only admins manage connection strings. Ask an admin for one.</Text>;
  return (
    <Stack>
      <Title order={2}>Sensor setup</Title>
      <Text c="dimmed" size="sm">
        Paste a connection string into a sensor's Management Console Connection dialog, or run <span className="mono">sensor-link connect &lt;string&gt;</span> on it. The sensor checks this console's certificate against the pin in the string before it sends the secret.
      </Text>
      <StandingString />
      <SingleUseString />
      <ConnectionStringList />
    </Stack>
  );
}

function StandingString() {
  const standing = useStandingString();
  const regenerate = useRegenerateStanding();
  const [hours, setHours] = useState<number | string>(24);
  const ttlProblem = regenerate.error instanceof ApiError ? regenerate.error.problemAt('ttlSeconds') : undefined;
  return (
    <Card withBorder>
      <Title order={4}>Standing connection string</Title>
      <Text size="sm" c="dimmed" mb="sm">
        For any number of sensors until it expires. Sensors enrolled with it start as Unassigned.
      </Text>
      <QueryState query={standing} loading="Loading the standing string" size="sm" />
      {standing.data ? <ConnectionStringBox issued={standing.data} testId="standing-connection-string" /> : null}
      <Group align="flex-end" mt="sm">
        <NumberInput label="Valid for (hours)" min={1} max={720} value={hours} onChange={setHours} w={160} error={ttlProblem} />
        <ConfirmButton
          variant="default"
          color="gray"
          label="Regenerate"
          title="Regenerate the standing string?"
          question="The current standing string stops working at once; sensors already enrolled are not affected."
          confirmLabel="Regenerate"
          onConfirm={() => regenerate.mutateAsync(Math.round(Number(hours) * 3600))}
        />
      </Group>
      {regenerate.error && !ttlProblem ? (
        <Alert color="red" mt="sm" role="alert">
          {errorMessage(regenerate.error)}
        </Alert>
      ) : null}
    </Card>
  );
}

function SingleUseString() {
  const zones = useZones();
  const create = useCreateSingleUse();
  const [zoneId, setZoneId] = useState<string | null>('unassigned');
  const [hours, setHours] = useState<number | string>(24);
  const problem = (path: string) => (create.error instanceof ApiError ? create.error.problemAt(path) : undefined);
  const options = [{ value: 'unassigned', label: 'Unassigned' }, ...(zones.data ?? []).map((zone) => ({ value: zone.id, label: `${zone.siteName ?? '?'} / ${zone.name}` }))];
  return (
    <Card withBorder>
      <Title order={4}>Single-use connection string</Title>
      <Text size="sm" c="dimmed" mb="sm">
        For one sensor, placed straight into a zone. It is shown only once: copy it now.
      </Text>
      <Group align="flex-end">
        <Select label="Zone" data={options} value={zoneId} onChange={setZoneId} searchable w={280} error={problem('zoneId')} />
        <NumberInput label="Valid for (hours)" min={1} max={720} value={hours} onChange={setHours} w={160} error={problem('ttlSeconds')} />
        <Button onClick={() => create.mutate({ zoneId: zoneId === 'unassigned' ? null : zoneId, ttlSeconds: Math.round(Number(hours) * 3600) })} loading={create.isPending}>
          Create
        </Button>
      </Group>
      {create.error && !problem('zoneId') && !problem('ttlSeconds') ? (
        <Alert color="red" mt="sm" role="alert">
          {errorMessage(create.error)}
        </Alert>
      ) : null}
      {create.data ? (
        <Stack mt="sm" gap="xs">
          <ConnectionStringBox issued={create.data} testId="single-use-connection-string" />
        </Stack>
      ) : null}
    </Card>
  );
}

function ConnectionStringList() {
  // Read after the standing string: GET /standing creates it on first use, and the list should include it.
  const standing = useStandingString();
  const list = useConnectionStrings(standing.isSuccess);
  const revoke = useRevokeConnectionString();
  const zones = useZones();
  const zoneName = (id: string | null) => (id === null ? 'Unassigned' : (zones.data?.find((zone) => zone.id === id)?.name ?? id));
  return (
    <Card withBorder>
      <Title order={4} mb="sm">
        Connection strings
      </Title>
      {list.isError ? <ErrorNotice error={list.error} onRetry={() => void list.refetch()} /> : null}
      {revoke.error ? (
        <Alert color="red" role="alert" mb="sm">
          {errorMessage(revoke.error)}
        </Alert>
      ) : null}
      {list.data?.length === 0 ? <Text c="dimmed">None yet.</Text> : null}
      {list.data && list.data.length > 0 ? (
        <Table verticalSpacing={4} data-testid="connection-string-list">
          <TableHead columns={['Kind', 'Zone', 'State', 'Uses', 'Expires', 'Created by', '']} />
          <Table.Tbody>
            {list.data.map((token) => (
              <Table.Tr key={token.id}>
                <Table.Td>{token.kind === 'standing' ? 'Standing' : 'Single-use'}</Table.Td>
                <Table.Td>{zoneName(token.zoneId)}</Table.Td>
                <Table.Td>
                  <Badge variant="light" color={STATE_COLORS[token.state]}>
                    {token.state}
                  </Badge>
                </Table.Td>
                <Table.Td>{token.uses}</Table.Td>
                <Table.Td>{formatDateTime(token.expiresAt)}</Table.Td>
                <Table.Td>{token.createdBy}</Table.Td>
                <Table.Td>
                  {token.state === 'active' ? (
                    <ConfirmButton size="compact-xs" variant="subtle" label="Revoke" title="Revoke this connection string?" question="Sensors can no longer enrol with it. Sensors already enrolled are not affected." confirmLabel="Revoke" onConfirm={() => revoke.mutateAsync(token.id)} />
                  ) : null}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : null}
    </Card>
  );
}
