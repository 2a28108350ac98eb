/**
 * NTP and time region at one scope. A narrower scope only overrides what it
 * checks; the rest is inherited. Saving replaces the scope's overrides, so the
 * scope's other sections are sent back as loaded (secrets stay '••••', which
 * the server reads as "keep").
 */
import { ActionIcon, Alert, Button, Checkbox, Group, NumberInput, Select, Stack, Switch, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { ApiError } from '../../api/http';
import type { DateFormat, NtpSettings, ScopeSettings, TimeRegionSettings } from '../../api/payloads';
import { useSaveScopeSettings, type ScopeChoice } from '../../api/settings';
import { errorMessage } from '../../components/error-notice';

const DATE_FORMAT_WORDS: Record<DateFormat, string> = {
  'dd/MM/yyyy HH:mm:ss': 'dd/MM/yyyy HH:mm:ss (31/12/2025 23:59:00)',
  'MM/dd/yyyy HH:mm:ss': 'MM/dd/yyyy HH:mm:ss (12/31/2025 23:59:00)',
  'yyyy/MM/dd HH:mm:ss': 'yyyy/MM/dd HH:mm:ss (2025/12/31 23:59:00)',
};

interface ServerRow {
  address: string;
  port: number | string;
}

interface TimeSettingsFormProps {
  scope: ScopeChoice;
  loaded: ScopeSettings;
  canWrite: boolean;
  /** The page re-keys this form on every new revision, so it, not the form, says "saved". */
  onSaved: (revision: number) => void;
}

export function TimeSettingsForm({ scope, loaded, canWrite, onSaved }: TimeSettingsFormProps) {
  const save = useSaveScopeSettings(scope);
  const global = scope.kind === 'global';
  const ntp = loaded.settings.ntp as NtpSettings | undefined;
  const time = loaded.settings.timeRegion as TimeRegionSettings | undefined;
  const [overrideNtp, setOverrideNtp] = useState(global || ntp !== undefined);
  const [enabled, setEnabled] = useState(ntp?.enabled ?? true);
  const [servers, setServers] = useState<ServerRow[]>((ntp?.servers ?? []).map((server) => ({ address: server.address, port: server.port ?? 123 })));
  const [overrideTime, setOverrideTime] = useState(global || time !== undefined);
  const [timeZone, setTimeZone] = useState(time?.timeZone ?? '');
  const [dateFormat, setDateFormat] = useState<string | null>(time?.dateFormat ?? null);

  // The server names fields from the request body (`settings.ntp.servers.0.address`) or from the settings object.
  const problem = (path: string) => (save.error instanceof ApiError ? (save.error.problemAt(`settings.${path}`) ?? save.error.problemAt(path)) : undefined);
  const fieldErrors = save.error instanceof ApiError && save.error.problems.length > 0;

  function submit() {
    const settings: Record<string, unknown> = { ...loaded.settings };
    delete settings.ntp;
    delete settings.timeRegion;
    if (overrideNtp) settings.ntp = { enabled, servers: servers.map((server) => ({ address: server.address.trim(), port: Number(server.port) })) };
    if (overrideTime) settings.timeRegion = { ...(timeZone.trim() ? { timeZone: timeZone.trim() } : {}), ...(dateFormat ? { dateFormat } : {}) };
    save.mutate({ baseRevision: loaded.revision, settings }, { onSuccess: (saved) => onSaved(saved.revision) });
  }

  const setServer = (index: number, change: Partial<ServerRow>) => setServers((rows) => rows.map((row, at) => (at === index ? { ...row, ...change } : row)));
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      <Stack>
        <Title order={4}>NTP</Title>
        {!global ? <Checkbox label="Override NTP at this scope (otherwise inherited)" checked={overrideNtp} onChange={(event) => setOverrideNtp(event.currentTarget.checked)} disabled={!canWrite} /> : null}
        {overrideNtp ? (
          <Stack gap="xs">
            <Switch label="Sensors synchronise their clock with NTP" checked={enabled} onChange={(event) => setEnabled(event.currentTarget.checked)} disabled={!canWrite} />
            {problem('ntp.servers') ? <Text c="red" size="sm">{problem('ntp.servers')}</Text> : null}
            {servers.map((server, index) => (
              <Group key={index} align="flex-start" gap="xs">
                <TextInput aria-label={`NTP server ${index + 1} address`} placeholder="IP address or host name" value={server.address} onChange={(event) => setServer(index, { address: event.currentTarget.value })} error={problem(`ntp.servers.${index}.address`) ?? problem(`ntp.servers.${index}`)} w={280} disabled={!canWrite} />
                <NumberInput aria-label={`NTP server ${index + 1} port`} value={server.port} onChange={(value) => setServer(index, { port: value })} min={1} max={65535} error={problem(`ntp.servers.${index}.port`)} w={110} disabled={!canWrite} />
                {canWrite ? (
                  <ActionIcon variant="subtle" color="red" size="lg" aria-label={`Remove NTP server ${index + 1}`} onClick={() => setServers((rows) => rows.filter((_, at) => at !== index))}>
                    ✕
                  </ActionIcon>
                ) : null}
              </Group>
            ))}
            {canWrite && servers.length < 10 ? (
              <Button variant="light" size="xs" w="fit-content" onClick={() => setServers((rows) => [...rows, { address: '', port: 123 }])}>
                Add NTP server
              </Button>
            ) : null}
          </Stack>
        ) : null}

        <Title order={4}>Time zone and date format</Title>
        {!global ? <Checkbox label="Override the time region at this scope" checked={overrideTime} onChange={(event) => setOverrideTime(event.currentTarget.checked)} disabled={!canWrite} /> : null}
        {overrideTime ? (
          <Group align="flex-start">
            <TextInput label="Time zone" placeholder="e.g. Europe/Berlin or UTC" value={timeZone} onChange={(event) => setTimeZone(event.currentTarget.value)} error={problem('timeRegion.timeZone')} w={280} disabled={!canWrite} />
            <Select label="Date format" placeholder="Sensor default" clearable data={Object.entries(DATE_FORMAT_WORDS).map(([value, label]) => ({ value, label }))} value={dateFormat} onChange={setDateFormat} error={problem('timeRegion.dateFormat')} w={340} disabled={!canWrite} />
          </Group>
        ) : null}

        {save.error && !fieldErrors ? (
          <Alert color="red" role="alert" title="Not saved">
            {save.error instanceof ApiError && save.error.code === 'stale_revision' ? 'Someone saved these settings after you opened them. Reload the page to see their change, then edit again.' : errorMessage(save.error)}
          </Alert>
        ) : null}
        {fieldErrors ? (
          <Alert color="red" role="alert" title="Not saved">
            Correct the fields marked in red, then save again.
          </Alert>
        ) : null}
        {canWrite ? (
          <Button type="submit" loading={save.isPending} w="fit-content">
            Save
          </Button>
        ) : (
          <Text c="dimmed" size="sm">
            Your role can read settings but not change them.
          </Text>
        )}
      </Stack>
    </form>
  );
}
