/** One sensor: state and why, health, clock drift, certificate expiry, and the actions its role allows. */
import { Anchor, Badge, Card, Group, Loader, Stack, Table, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { useSensor } from '../../api/fleet';
import { useLiveRefresh } from '../../api/live';
import type { Me, SensorDetail } from '../../api/payloads';
import { can } from '../../api/session';
import { SensorBackupsCard } from '../backups/sensor-backups-card';
import { ErrorNotice } from '../../components/error-notice';
import { StateBadge } from '../../components/state-badge';
import { SensorActions } from './sensor-actions';
import { formatDateTime, formatDrift, formatRelative } from './sensor-format';

function Facts({ rows }: { rows: Array<[string, ReactNode]> }) {
  return (
    <Table withRowBorders={false} verticalSpacing={4}>
      <Table.Tbody>
        {rows.map(([label, value]) => (
          <Table.Tr key={label}>
            <Table.Th w={180}>
              <Text size="sm" c="dimmed">
                {label}
              </Text>
            </Table.Th>
            <Table.Td>{value}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function certificateBadge(sensor: SensorDetail) {
  const { daysLeft, expired } = sensor.certificate;
  if (expired) return <Badge color="red">Expired</Badge>;
  if (daysLeft < 14) return <Badge color="yellow">{daysLeft} days left</Badge>;
  return <Badge color="teal" variant="light">{daysLeft} days left</Badge>;
}

export function SensorPage({ me }: { me: Me }) {
  const { sensorId = '' } = useParams();
  const sensor = useSensor(sensorId);
  useLiveRefresh(`sensor:${sensorId}`, ['sensors', 'detail', sensorId]);

  if (sensor.isPending) return <Loader aria-label="Loading the sensor" />;
  if (sensor.isError) {
    return (
      <Stack>
        <ErrorNotice error={sensor.error} onRetry={() => void sensor.refetch()} />
        <Anchor component={Link} to="/sensors">
          Back to the sensors list
        </Anchor>
      </Stack>
    );
  }
  const data = sensor.data;
  const health = data.health;
  return (
    <Stack>
      <Anchor component={Link} to="/sensors" size="sm">
        ← Sensors
      </Anchor>
      <Group justify="space-between">
        <Group>
          <Title order={2}>{data.name}</Title>
          <StateBadge state={data.state} />
        </Group>
        <SensorActions sensor={data} canManage={can(me, 'sensors:manage')} canRevoke={can(me, 'sensors:revoke')} />
      </Group>
      <Text c="dimmed" data-testid="state-reason">
        {data.reasonText} Since {formatDateTime(data.since)}.
      </Text>
      <div className="card-grid">
        <Card withBorder>
          <Title order={4} mb="xs">
            Placement and versions
          </Title>
          <Facts
            rows={[
              ['Host name', data.hostname],
              ['Site / zone', data.zone ? `${data.site?.name ?? '?'} / ${data.zone.name}` : 'Unassigned'],
              ['Capture core', <span className="mono">{data.versions.core}</span>],
              ['sensor-link', <span className="mono">{data.versions.sensorLink} (protocol {data.versions.protocol})</span>],
              ['Enrolled', formatDateTime(data.enrolledAt)],
              ['Last seen', data.lastSeenAt ? formatRelative(data.lastSeenAt) : 'never'],
            ]}
          />
        </Card>
        <Card withBorder>
          <Title order={4} mb="xs">
            Health
          </Title>
          {health ? (
            <Facts
              rows={[
                ['Reported', formatRelative(health.receivedAt)],
                ['Clock drift', formatDrift(data.clockDriftMs)],
                ['Packets / s', health.packetsPerSecond.toLocaleString()],
                ['Bytes / s', health.bytesPerSecond.toLocaleString()],
                ['Disk used', `${health.diskUsedPercent.toFixed(0)} %`],
                ['Uptime', `${Math.floor(health.uptimeSeconds / 3600)} h`],
              ]}
            />
          ) : (
            <Text c="dimmed" size="sm">
              No health report yet. Reports arrive once the sensor is connected.
            </Text>
          )}
        </Card>
        <Card withBorder>
          <Title order={4} mb="xs">
            Certificate
          </Title>
          <Facts
            rows={[
              ['Expires', <Group gap="xs">{formatDateTime(data.certificate.notAfter)} {certificateBadge(data)}</Group>],
              ['Valid from', formatDateTime(data.certificate.notBefore)],
              ['Serial', <span className="mono">{data.certificate.serialNumber}</span>],
              ['SHA-256', <Text size="xs" className="mono break-all">{data.certificate.fingerprint256}</Text>],
            ]}
          />
          <Text size="xs" c="dimmed" mt="xs">
            The sensor renews its certificate over the link at two thirds of its life.
          </Text>
        </Card>
        {can(me, 'backups:read') ? <SensorBackupsCard me={me} sensorId={data.id} sensorName={data.name} /> : null}
      </div>
    </Stack>
  );
}
