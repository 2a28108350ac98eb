/** Backup runs, newest first: who, when, how big, and for a failure the reason in words. */
import { Badge, Card, Group, SegmentedControl, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router';
import { useRuns } from '../../api/backups';
import type { BackupRun, RunStatus } from '../../api/payloads';
import { QueryState } from '../../components/query-state';
import { TableHead } from '../../components/table-head';
import { byteSize } from './byte-size';

const STATUS: Record<RunStatus, { label: string; color: string }> = {
  queued: { label: 'Queued', color: 'gray' },
  running: { label: 'Running', color: 'blue' },
  succeeded: { label: 'Succeeded', color: 'teal' },
  failed: { label: 'Failed', color: 'red' },
};

function progress(run: BackupRun): string {
  if (run.status === 'running') return `${byteSize(run.bytesReceived)} received`;
  if (run.status === 'succeeded') return `${byteSize(run.sizeBytes)}${run.durationMs !== null ? ` in ${Math.max(1, Math.round(run.durationMs / 1000))} s` : ''}`;
  return '';
}

export function RunsCard() {
  const [status, setStatus] = useState<'all' | RunStatus>('all');
  const runs = useRuns({ status: status === 'all' ? null : status, limit: 50 });
  return (
    <Card withBorder data-testid="backup-runs">
      <Group justify="space-between" mb="xs">
        <Title order={4}>Runs</Title>
        <SegmentedControl size="xs" aria-label="Show runs" data={[{ value: 'all', label: 'All' }, ...Object.entries(STATUS).map(([value, words]) => ({ value, label: words.label }))]} value={status} onChange={(value) => setStatus(value as 'all' | RunStatus)} />
      </Group>
      <QueryState query={runs} loading="Loading runs" size="sm" />
      {runs.data?.items.length === 0 ? <Text size="sm" c="dimmed">{status === 'all' ? 'No backup has run yet. Back up a sensor from its page, or wait for the daily schedule.' : 'No run in this state.'}</Text> : null}
      {runs.data && runs.data.items.length > 0 ? (
        <Table verticalSpacing={4}>
          <TableHead columns={['Sensor', 'Started', 'Trigger', 'Status', 'Result']} />
          <Table.Tbody>
            {runs.data.items.map((run) => (
              <Table.Tr key={run.id} data-run-status={run.status} data-sensor-name={run.sensorName}>
                <Table.Td>
                  <Text size="sm" component={Link} to={`/sensors/${run.sensorId}`} c="blue">
                    {run.sensorName}
                  </Text>
                </Table.Td>
                <Table.Td className="nowrap">{new Date(run.startedAt ?? run.queuedAt).toLocaleString()}</Table.Td>
                <Table.Td>{run.trigger === 'manual' ? `By ${run.requestedBy ?? 'a user'}` : 'Schedule'}</Table.Td>
                <Table.Td>
                  <Badge color={STATUS[run.status].color} variant="light">
                    {STATUS[run.status].label}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  {run.failure ? (
                    <Text size="sm" c="red">
                      {run.failure.label}
                      {run.failure.reason ? `: ${run.failure.reason}` : ''}
                    </Text>
                  ) : (
                    <Text size="sm">{progress(run)}</Text>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : null}
    </Card>
  );
}
