/** Rollout per sensor: the revision each sensor should run against the one it applied, live. */
import { Badge, Card, Group, Progress, Stack, Table, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import type { DriftRow } from '../../api/payloads';
import { useDrift, type ScopeChoice } from '../../api/settings';
import { QueryState } from '../../components/query-state';
import { TableHead } from '../../components/table-head';

const SHOWN_ROWS = 100;

function statusOf(row: DriftRow): { label: string; color: string; detail: string | null } {
  if (row.desiredRevision === 0) return { label: 'Nothing to apply yet', color: 'gray', detail: null };
  if (row.inSync) return { label: 'Applied', color: 'teal', detail: null };
  if (row.lastResult && !row.lastResult.ok && row.lastResult.revision === row.desiredRevision) return { label: 'Failed', color: 'red', detail: row.lastResult.reason };
  if (row.sensorState !== 'connected') return { label: 'Waiting for the sensor', color: 'gray', detail: 'Applies when it reconnects.' };
  return { label: 'Applying', color: 'blue', detail: null };
}

export function RolloutPanel({ scope }: { scope: ScopeChoice }) {
  const drift = useDrift(scope);
  const rows = drift.data ?? [];
  const applied = rows.filter((row) => row.inSync).length;
  const failed = rows.filter((row) => statusOf(row).label === 'Failed').length;
  return (
    <Card withBorder data-testid="rollout">
      <Stack gap="xs">
        <Title order={4}>Rollout</Title>
        <QueryState query={drift} loading="Loading the rollout" size="sm" />
        {drift.data && rows.length === 0 ? <Text size="sm" c="dimmed">No sensor in this scope yet. Assign sensors to its zones under Sites and zones.</Text> : null}
        {rows.length > 0 ? (
          <>
            <Group gap="sm">
              <Progress value={(applied / rows.length) * 100} color={failed > 0 ? 'orange' : 'teal'} w={320} aria-label="Sensors that applied their settings" />
              <Text size="sm" data-testid="rollout-summary">
                {applied} of {rows.length} applied{failed > 0 ? `, ${failed} failed` : ''}
              </Text>
            </Group>
            <Table verticalSpacing={4}>
              <TableHead columns={['Sensor', 'Desired revision', 'Applied revision', 'Status']} />
              <Table.Tbody>
                {rows.slice(0, SHOWN_ROWS).map((row) => {
                  const status = statusOf(row);
                  return (
                    <Table.Tr key={row.sensorId} data-sensor-name={row.sensorName} data-in-sync={row.inSync}>
                      <Table.Td>
                        <Text size="sm" component={Link} to={`/sensors/${row.sensorId}`} c="blue">
                          {row.sensorName}
                        </Text>
                      </Table.Td>
                      <Table.Td>{row.desiredRevision}</Table.Td>
                      <Table.Td>{row.appliedRevision ?? 'none yet'}</Table.Td>
                      <Table.Td>
                        <Badge color={status.color} variant="light">
                          {status.label}
                        </Badge>
                        {status.detail ? (
                          <Text size="xs" c="dimmed">
                            {status.detail}
                          </Text>
                        ) : null}
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
            {rows.length > SHOWN_ROWS ? <Text size="xs" c="dimmed">Showing the first {SHOWN_ROWS} of {rows.length} sensors.</Text> : null}
          </>
        ) : null}
      </Stack>
    </Card>
  );
}
