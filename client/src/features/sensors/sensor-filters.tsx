/** Filters of the sensors list: state, site, zone, version and free text (name or host name). */
import { Button, Group, Select, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useEffect, useRef, useState } from 'react';
import type { SensorFilter } from '../../api/fleet';
import { useSites, useZones } from '../../api/fleet';
import type { SensorState } from '../../api/payloads';
import { SENSOR_STATE_ORDER, STATE_WORDS } from '../../components/state-badge';

interface SensorFiltersProps {
  filter: SensorFilter;
  onChange: (change: Partial<SensorFilter>) => void;
}

export function SensorFilters({ filter, onChange }: SensorFiltersProps) {
  // Site and zone names are read only when a list is opened or a filter needs its label,
  // so the first rows of the table never wait behind them.
  const [wantPlacement, setWantPlacement] = useState(Boolean(filter.siteId || filter.zoneId));
  const sites = useSites(wantPlacement);
  const zones = useZones(wantPlacement);
  const loadPlacement = () => setWantPlacement(true);
  const [text, setText] = useState(filter.q ?? '');
  const [version, setVersion] = useState(filter.version ?? '');
  // Typing should not send one request per key: wait for a short pause.
  const [debouncedText] = useDebouncedValue(text, 300);
  const [debouncedVersion] = useDebouncedValue(version, 300);

  // The latest props, read when a debounced value settles (so only typing triggers a change).
  const latest = useRef({ filter, onChange });
  latest.current = { filter, onChange };
  useEffect(() => {
    const current = latest.current;
    if ((current.filter.q ?? '') !== debouncedText) current.onChange({ q: debouncedText || undefined });
  }, [debouncedText]);
  useEffect(() => {
    const current = latest.current;
    if ((current.filter.version ?? '') !== debouncedVersion) current.onChange({ version: debouncedVersion || undefined });
  }, [debouncedVersion]);

  const zoneOptions = [
    { value: 'unassigned', label: 'Unassigned' },
    ...(zones.data ?? [])
      .filter((zone) => !filter.siteId || zone.siteId === filter.siteId)
      .map((zone) => ({ value: zone.id, label: `${zone.siteName ?? '?'} / ${zone.name}` })),
  ];
  const filtered = Boolean(filter.state || filter.siteId || filter.zoneId || filter.version || filter.q);

  return (
    <Group align="flex-end" gap="sm" wrap="wrap">
      <TextInput label="Search" placeholder="Name or host name" value={text} onChange={(event) => setText(event.currentTarget.value)} w={220} />
      <Select
        label="State"
        placeholder="Any state"
        clearable
        data={SENSOR_STATE_ORDER.map((state) => ({ value: state, label: STATE_WORDS[state].label }))}
        value={filter.state ?? null}
        onChange={(value) => onChange({ state: (value as SensorState | null) ?? undefined })}
        w={170}
      />
      <Select
        label="Site"
        placeholder="Any site"
        clearable
        searchable
        data={(sites.data ?? []).map((site) => ({ value: site.id, label: site.name }))}
        value={filter.siteId ?? null}
        onChange={(value) => onChange({ siteId: value ?? undefined, zoneId: undefined })}
        onDropdownOpen={loadPlacement}
        onFocus={loadPlacement}
        w={190}
      />
      <Select
        label="Zone"
        placeholder="Any zone"
        clearable
        searchable
        data={zoneOptions}
        value={filter.zoneId ?? null}
        onChange={(value) => onChange({ zoneId: value ?? undefined })}
        onDropdownOpen={loadPlacement}
        onFocus={loadPlacement}
        w={220}
      />
      <TextInput label="Version" placeholder="e.g. 24.1.3" value={version} onChange={(event) => setVersion(event.currentTarget.value)} w={130} />
      {filtered ? (
        <Button
          variant="subtle"
          onClick={() => {
            setText('');
            setVersion('');
            onChange({ state: undefined, siteId: undefined, zoneId: undefined, version: undefined, q: undefined });
          }}
        >
          Clear filters
        </Button>
      ) : null}
    </Group>
  );
}
