/** One sensor's effective settings: every field's value and the scope it comes from. Secrets stay masked. */
import { Card, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useEffectiveSettings, type ScopeChoice } from '../../api/settings';
import { ErrorNotice } from '../../components/error-notice';
import { TableHead } from '../../components/table-head';
import { SETTINGS_SECTIONS } from './settings-sections';
import { settingValueInWords } from './setting-value-words';
import { MergeProblems, ScopeSensorSelect } from './scope-sensor-select';

export function EffectiveSettingsPanel({ scope }: { scope: ScopeChoice }) {
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
        <ScopeSensorSelect scope={scope} value={chosen} onChange={setChosen} />
      ) : null}
      {effective.isError ? <ErrorNotice error={effective.error} /> : null}
      {effective.data && rows.length === 0 ? <Text size="sm" c="dimmed">Nothing is set for this sensor at any scope: it runs its own defaults.</Text> : null}
      {effective.data && rows.length > 0 ? (
        <Table mt="sm" verticalSpacing={4}>
          <TableHead columns={['Setting', 'Value', 'Comes from']} />
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
      {effective.data ? <MergeProblems problems={effective.data.problems} /> : null}
    </Card>
  );
}
