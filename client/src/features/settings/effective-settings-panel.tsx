/** One sensor's effective settings: every field's value and the scope it comes from. Secrets stay masked. */
import { Card, Select, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useSensorList } from '../../api/fleet';
import { useEffectiveSettings, type ScopeChoice } from '../../api/settings';
import { ErrorNotice } from '../../components/error-notice';
import { SETTINGS_SECTIONS } from './settings-sections';
import { settingValueInWords } from './setting-value-words';

export function EffectiveSettingsPanel({ scope }: { scope: ScopeChoice }) {
  const sensors = useSensorList({
    sort: 'name',
    order: 'asc',
    limit: 100,
    offset: 0,
    ...(scope.kind === 'site' && scope.id ? { siteId: scope.id } : {}),
    ...(scope.kind === 'zone' && scope.id ? { zoneId: scope.id } : {}),
  });
  const [chosen, setChosen] = useState<string | null>(null);
  const sensorId = scope.kind === 'sensor' ? scope.id : chosen;
  const effective = useEffectiveSettings(sensorId);
  const settings = (effective.data?.settings ?? {}) as Record<string, unknown>;
  const originOf = (path: string) => {
    const origin = effective.data?.origins.find((entry) => entry.field === path || entry.field.startsWith(`${path}.`) || path.startsWith(`${entry.field}.`));
    return origin ? origin.source : 'sensor default';
  };
  const rows = SETTINGS_SECTIONS.flatMap((spec) =>
    spec.shape === 'whole'
      ? [{ path: spec.key, label: spec.label, value: settings[spec.key] }]
      : spec.fields.map((field) => ({ path: `${spec.key}.${field.key}`, label: `${spec.label}: ${field.label}`, value: (settings[spec.key] as Record<string, unknown> | undefined)?.[field.key] })),
  ).filter((row) => row.value !== undefined);
  return (
    <Card withBorder data-testid="effective-settings">
      <Title order={4} mb="xs">
        Effective result
      </Title>
      {scope.kind !== 'sensor' ? (
        <Select
          label="For sensor"
          placeholder={sensors.data?.items.length === 0 ? 'No sensors in this scope' : 'Choose a sensor'}
          data={(sensors.data?.items ?? []).map((sensor) => ({ value: sensor.id, label: sensor.name }))}
          value={chosen}
          onChange={setChosen}
          searchable
          w={360}
        />
      ) : null}
      {effective.isError ? <ErrorNotice error={effective.error} /> : null}
      {effective.data && rows.length === 0 ? <Text size="sm" c="dimmed">Nothing is set for this sensor at any scope: it runs its own defaults.</Text> : null}
      {effective.data && rows.length > 0 ? (
        <Table mt="sm" verticalSpacing={4}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Setting</Table.Th>
              <Table.Th>Value</Table.Th>
              <Table.Th>Comes from</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((row) => (
              <Table.Tr key={row.path}>
                <Table.Td>{row.label}</Table.Td>
                <Table.Td className="break-all">{settingValueInWords(row.value)}</Table.Td>
                <Table.Td>{originOf(row.path)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : null}
      {effective.data && effective.data.problems.length > 0 ? (
        <Text c="red" size="sm" mt="xs">
          This sensor cannot apply the merged result: {effective.data.problems.map((problem) => `${problem.path} ${problem.message}`).join('; ')}
        </Text>
      ) : null}
    </Card>
  );
}
