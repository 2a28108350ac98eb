/**
 * The parts of an "Effective result" panel that every settings page shares: a
 * picker over the sensors of the chosen scope, and the line that says why a
 * sensor cannot apply the merged result.
 */
import { Select, Text } from '@mantine/core';
import { useSensorList } from '../../api/fleet';
import type { ScopeChoice } from '../../api/settings';

export function ScopeSensorSelect({ scope, value, onChange }: { scope: ScopeChoice; value: string | null; onChange: (sensorId: string | null) => void }) {
  const sensors = useSensorList({
    sort: 'name',
    order: 'asc',
    limit: 100,
    offset: 0,
    ...(scope.kind === 'site' && scope.id ? { siteId: scope.id } : {}),
    ...(scope.kind === 'zone' && scope.id ? { zoneId: scope.id } : {}),
  });
  return (
    <Select
      label="For sensor"
      placeholder={sensors.data?.items.length === 0 ? 'No sensors in this scope' : 'Choose a sensor'}
      data={(sensors.data?.items ?? []).map((sensor) => ({ value: sensor.id, label: sensor.name }))}
      value={value}
      onChange={onChange}
      searchable
      w={360}
    />
  );
}

export function MergeProblems({ problems }: { problems: readonly { path: string; message: string }[] }) {
  if (problems.length === 0) return null;
  return (
    <Text c="red" size="sm" mt="xs">
      This sensor cannot apply the merged result: {problems.map((problem) => `${problem.path} ${problem.message}`).join('; ')}
    </Text>
  );
}
