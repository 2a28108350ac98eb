/** Sensors in no zone, chosen several at once and assigned to one zone. Live: new sensors appear here. */
import { Alert, Button, Checkbox, Group, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { SENSORS_KEY, useMoveSensors, useSensorList, useZones, type SensorFilter } from '../../api/fleet';
import { useLiveRefresh } from '../../api/live';
import { StateBadge } from '../../components/state-badge';
import { errorMessage } from '../../components/error-notice';

const UNASSIGNED: SensorFilter = { zoneId: 'unassigned', sort: 'name', order: 'asc', limit: 500, offset: 0 };

export function UnassignedSensors({ canManage }: { canManage: boolean }) {
  const sensors = useSensorList(UNASSIGNED);
  // The rows show each sensor's state, which changes without any placement change.
  useLiveRefresh('sensors', SENSORS_KEY);
  const zones = useZones();
  const move = useMoveSensors();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [zoneId, setZoneId] = useState<string | null>(null);
  const items = sensors.data?.items ?? [];
  const chosen = items.filter((sensor) => selected.has(sensor.id)).map((sensor) => sensor.id);
  const toggle = (id: string) =>
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <Stack gap="sm" data-testid="unassigned-sensors">
      <Title order={3}>Unassigned sensors ({sensors.data?.total ?? '…'})</Title>
      {items.length === 0 ? (
        <Text c="dimmed" size="sm">
          Every sensor is in a zone. New sensors enrolled with the standing connection string appear here.
        </Text>
      ) : (
        <>
          <Table verticalSpacing={4}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={40}>
                  <Checkbox aria-label="Select all" checked={chosen.length === items.length} indeterminate={chosen.length > 0 && chosen.length < items.length} onChange={() => setSelected(chosen.length === items.length ? new Set() : new Set(items.map((sensor) => sensor.id)))} disabled={!canManage} />
                </Table.Th>
                <Table.Th>Name</Table.Th>
                <Table.Th>State</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((sensor) => (
                <Table.Tr key={sensor.id} data-sensor-name={sensor.name}>
                  <Table.Td>
                    <Checkbox aria-label={`Select ${sensor.name}`} checked={selected.has(sensor.id)} onChange={() => toggle(sensor.id)} disabled={!canManage} />
                  </Table.Td>
                  <Table.Td>{sensor.name}</Table.Td>
                  <Table.Td>
                    <StateBadge state={sensor.state} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {canManage ? (
            <Group align="flex-end">
              <Select
                label="Assign to zone"
                placeholder={zones.data?.length === 0 ? 'Create a zone first' : 'Choose a zone'}
                data={(zones.data ?? []).map((zone) => ({ value: zone.id, label: `${zone.siteName ?? '?'} / ${zone.name}` }))}
                value={zoneId}
                onChange={setZoneId}
                searchable
                w={280}
              />
              <Button
                disabled={chosen.length === 0 || zoneId === null}
                loading={move.isPending}
                onClick={() => move.mutate({ sensorIds: chosen, zoneId }, { onSuccess: () => setSelected(new Set()) })}
              >
                Assign {chosen.length > 0 ? chosen.length : ''} sensor{chosen.length === 1 ? '' : 's'}
              </Button>
            </Group>
          ) : null}
          {move.error ? (
            <Alert color="red" role="alert">
              {errorMessage(move.error)}
            </Alert>
          ) : null}
        </>
      )}
    </Stack>
  );
}
