/**
 * System settings → NTP & time: edit NTP servers, time zone and date format at
 * the global, site or zone scope, and see what one sensor ends up with (the
 * effective result, with the scope each value comes from).
 */
import { Card, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useSites, useZones } from '../../api/fleet';
import { useLiveRefresh } from '../../api/live';
import type { Me } from '../../api/payloads';
import { can } from '../../api/session';
import { SETTINGS_KEY, useEffectiveSettings, useScopeSettings, type ScopeChoice } from '../../api/settings';
import { ErrorNotice } from '../../components/error-notice';
import { QueryState } from '../../components/query-state';
import { TableHead } from '../../components/table-head';
import { TimeSettingsForm } from './time-settings-form';
import { MergeProblems, ScopeSensorSelect } from './scope-sensor-select';

function parseScope(value: string | null): ScopeChoice {
  if (!value || value === 'global') return { kind: 'global', id: null };
  const [kind, id] = value.split(':');
  return { kind: kind === 'zone' ? 'zone' : 'site', id: id ?? null };
}

export function TimeSettingsPage({ me }: { me: Me }) {
  const sites = useSites();
  const zones = useZones();
  const [scopeValue, setScopeValue] = useState<string | null>('global');
  const scope = parseScope(scopeValue);
  const loaded = useScopeSettings(scope);
  const [savedRevision, setSavedRevision] = useState<number | null>(null);
  useLiveRefresh('settings', SETTINGS_KEY);

  const options = [
    { group: 'Everywhere', items: [{ value: 'global', label: 'Global (every sensor)' }] },
    { group: 'Sites', items: (sites.data ?? []).map((site) => ({ value: `site:${site.id}`, label: site.name })) },
    { group: 'Zones', items: (zones.data ?? []).map((zone) => ({ value: `zone:${zone.id}`, label: `${zone.siteName ?? '?'} / ${zone.name}` })) },
  ].filter((group) => group.items.length > 0);

  return (
    <Stack>
      <Title order={2}>NTP and time</Title>
      <Text c="dimmed" size="sm">
        Settings apply from the widest scope to the narrowest: a zone overrides its site, a site overrides global. The console pushes every saved change to the sensors it affects.
      </Text>
      <Select label="Scope" data={options} value={scopeValue} onChange={(value) => setScopeValue(value ?? 'global')} searchable w={360} allowDeselect={false} />
      <Card withBorder>
        <QueryState query={loaded} loading="Loading settings" size="sm" />
        {loaded.data ? (
          <>
            <Text size="xs" c="dimmed" mb="sm">
              Revision {loaded.data.revision}
              {loaded.data.updatedAt ? `, saved ${new Date(loaded.data.updatedAt).toLocaleString()} by ${loaded.data.updatedBy ?? 'unknown'}` : ', never saved at this scope'}
            </Text>
            {savedRevision === loaded.data.revision ? (
              <Text c="teal" size="sm" mb="sm" role="status">
                Saved as revision {savedRevision}. Online sensors in this scope receive it now.
              </Text>
            ) : null}
            <TimeSettingsForm key={`${scopeValue ?? 'global'}:${loaded.data.revision}`} scope={scope} loaded={loaded.data} canWrite={can(me, 'settings:write')} onSaved={setSavedRevision} />
          </>
        ) : null}
      </Card>
      <EffectivePanel scope={scope} />
    </Stack>
  );
}

const SHOWN_FIELDS = ['ntp.enabled', 'ntp.servers', 'timeRegion.timeZone', 'timeRegion.dateFormat'];

function EffectivePanel({ scope }: { scope: ScopeChoice }) {
  const [sensorId, setSensorId] = useState<string | null>(null);
  const effective = useEffectiveSettings(sensorId);
  const settings = effective.data?.settings as Record<string, Record<string, unknown> | undefined> | undefined;
  const valueOf = (field: string) => {
    const [section, key] = field.split('.');
    const value = settings?.[section ?? '']?.[key ?? ''];
    if (value === undefined) return '—';
    if (Array.isArray(value)) return value.map((server: { address?: string; port?: number }) => `${server.address ?? '?'}:${server.port ?? 123}`).join(', ') || 'none';
    return String(value);
  };
  const originOf = (field: string) => effective.data?.origins.find((origin) => origin.field === field || field.startsWith(`${origin.field}.`) || origin.field.startsWith(`${field}.`))?.source ?? 'default';

  return (
    <Card withBorder>
      <Title order={4} mb="xs">
        Effective result
      </Title>
      <ScopeSensorSelect scope={scope} value={sensorId} onChange={setSensorId} />
      {effective.isError ? <ErrorNotice error={effective.error} /> : null}
      {effective.data ? (
        <Table mt="sm" verticalSpacing={4}>
          <TableHead columns={['Setting', 'Value', 'Comes from']} />
          <Table.Tbody>
            {SHOWN_FIELDS.map((field) => (
              <Table.Tr key={field}>
                <Table.Td className="mono">{field}</Table.Td>
                <Table.Td>{valueOf(field)}</Table.Td>
                <Table.Td>{originOf(field)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : null}
      {effective.data ? <MergeProblems problems={effective.data.problems} /> : null}
    </Card>
  );
}
