/** A rule's conditions: which event types (or every system notification), from which severity, from which sites and zones. */
import { Checkbox, Group, MultiSelect, Select, Stack, Text } from '@mantine/core';
import { useSites, useZones } from '../../api/fleet';
import type { NotificationCatalogue, RuleConditions, Severity } from '../../api/payloads';
import type { FieldErrors } from '../../components/form-errors';
import { SEVERITY_WORDS } from './severity-badge';

const ALL = 'all';

interface RuleConditionsProps {
  catalogue: NotificationCatalogue;
  value: RuleConditions;
  onChange: (value: RuleConditions) => void;
  errors: FieldErrors;
  disabled: boolean;
}

export function RuleConditionsFields({ catalogue, value, onChange, errors, disabled }: RuleConditionsProps) {
  const sites = useSites();
  const zones = useZones();
  const all = value.eventTypes.includes(ALL);
  const set = (change: Partial<RuleConditions>) => onChange({ ...value, ...change });
  const typeProblem = errors.at('conditions.eventTypes') ?? value.eventTypes.map((_, index) => errors.at(`conditions.eventTypes.${index}`)).find(Boolean);
  return (
    <Stack gap="sm">
      <Checkbox
        label="All system notifications (including types added in later versions)"
        checked={all}
        disabled={disabled}
        onChange={(event) => set({ eventTypes: event.currentTarget.checked ? [ALL] : [] })}
      />
      {!all ? (
        <MultiSelect
          label="Event types"
          placeholder={value.eventTypes.length === 0 ? 'Choose one or more' : undefined}
          data={catalogue.eventTypes.map((entry) => ({ value: entry.type, label: `${entry.label} (${entry.type})` }))}
          value={value.eventTypes}
          onChange={(types) => set({ eventTypes: types as RuleConditions['eventTypes'] })}
          searchable
          disabled={disabled}
          w={640}
          maxDropdownHeight={280}
        />
      ) : null}
      {typeProblem ? (
        <Text c="red" size="xs" role="alert">
          {typeProblem}
        </Text>
      ) : null}
      <Group align="flex-start">
        <Select
          label="Minimum severity"
          data={catalogue.severities.map((severity) => ({ value: severity, label: SEVERITY_WORDS[severity].label }))}
          value={value.minimumSeverity}
          onChange={(severity) => set({ minimumSeverity: (severity ?? 'info') as Severity })}
          allowDeselect={false}
          error={errors.at('conditions.minimumSeverity')}
          disabled={disabled}
          w={200}
        />
        <MultiSelect
          label="Sites"
          placeholder={value.siteIds.length === 0 ? 'Every site' : undefined}
          data={(sites.data ?? []).map((site) => ({ value: site.id, label: site.name }))}
          value={value.siteIds}
          onChange={(siteIds) => set({ siteIds })}
          error={errors.at('conditions.siteIds')}
          disabled={disabled}
          searchable
          w={260}
        />
        <MultiSelect
          label="Zones"
          placeholder={value.zoneIds.length === 0 ? 'Every zone' : undefined}
          data={(zones.data ?? []).map((zone) => ({ value: zone.id, label: `${zone.siteName ?? '?'} / ${zone.name}` }))}
          value={value.zoneIds}
          onChange={(zoneIds) => set({ zoneIds })}
          error={errors.at('conditions.zoneIds')}
          disabled={disabled}
          searchable
          w={300}
        />
      </Group>
      <Text size="xs" c="dimmed">
        With no site or zone chosen the rule forwards events from every sensor and the console's own events.
      </Text>
    </Stack>
  );
}
