/**
 * System settings → Sensor settings: every settings group at the global, site,
 * zone or sensor scope. Each edit is previewed on the server (which fields
 * change, which sensors get new settings, one sensor's result) before Save;
 * after saving, the rollout shows each sensor's desired vs applied revision,
 * live. Secrets are write-only: they read as "stored" and are kept unless typed.
 */
import { Alert, Badge, Button, Card, Group, Select, Stack, Tabs, Text, Title } from '@mantine/core';
import { useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { useSensorList, useSites, useZones } from '../../api/fleet';
import { ApiError } from '../../api/http';
import { useLiveRefresh } from '../../api/live';
import type { Me, ScopeSettings } from '../../api/payloads';
import { can } from '../../api/session';
import { SETTINGS_KEY, usePreviewSettings, useSaveScopeSettings, useScopeSettings, type ScopeChoice } from '../../api/settings';
import { errorMessage } from '../../components/error-notice';
import { QueryState } from '../../components/query-state';
import { EffectiveSettingsPanel } from './effective-settings-panel';
import { RolloutPanel } from './rollout-panel';
import { fieldValue, forSending, overrideCount, storedSecretPaths, withField, type SettingsDraft } from './settings-draft';
import { SettingsField } from './settings-field';
import { SettingsPreviewPanel } from './settings-preview-panel';
import { SETTINGS_SECTIONS } from './settings-sections';

const PREVIEW_DELAY_MS = 400;

function parseScope(value: string | null): ScopeChoice {
  if (!value || value === 'global') return { kind: 'global', id: null };
  const [kind, id] = value.split(':');
  return { kind: kind === 'zone' || kind === 'sensor' ? kind : 'site', id: id ?? null };
}

export function SettingsEditorPage({ me }: { me: Me }) {
  const [params, setParams] = useSearchParams();
  const scopeValue = params.get('scope') ?? 'global';
  const scope = parseScope(scopeValue);
  const sites = useSites();
  const zones = useZones();
  const sensors = useSensorList({ sort: 'name', order: 'asc', limit: 200, offset: 0 });
  const loaded = useScopeSettings(scope);
  const [saved, setSaved] = useState<{ scope: string; revision: number } | null>(null);
  useLiveRefresh('settings', SETTINGS_KEY);

  const options = [
    { group: 'Everywhere', items: [{ value: 'global', label: 'Global (every sensor)' }] },
    { group: 'Sites', items: (sites.data ?? []).map((site) => ({ value: `site:${site.id}`, label: `Site ${site.name}` })) },
    { group: 'Zones', items: (zones.data ?? []).map((zone) => ({ value: `zone:${zone.id}`, label: `Zone ${zone.siteName ?? '?'} / ${zone.name}` })) },
    { group: 'Sensors', items: (sensors.data?.items ?? []).map((sensor) => ({ value: `sensor:${sensor.id}`, label: `Sensor ${sensor.name}` })) },
  ].filter((group) => group.items.length > 0);

  return (
    <Stack>
      <Title order={2}>Sensor settings</Title>
      <Text c="dimmed" size="sm">
        Settings apply from the widest scope to the narrowest: site overrides global, zone overrides site, a sensor's own settings override its zone. Leave a field empty to inherit it.
      </Text>
      <Select label="Scope" data={options} value={scopeValue} onChange={(value) => setParams(value && value !== 'global' ? { scope: value } : {})} searchable w={420} allowDeselect={false} nothingFoundMessage="No site, zone or sensor by that name" />
      <QueryState query={loaded} loading="Loading settings" />
      {saved && saved.scope === scopeValue ? (
        <Text c="teal" size="sm" role="status">
          Saved as revision {saved.revision}. Online sensors in this scope receive it now; follow the rollout below.
        </Text>
      ) : null}
      {loaded.data ? <ScopeEditor key={`${scopeValue}:${loaded.data.revision}`} scope={scope} loaded={loaded.data} canWrite={can(me, 'settings:write')} onSaved={(revision) => setSaved({ scope: scopeValue, revision })} /> : null}
      <RolloutPanel scope={scope} />
      <EffectiveSettingsPanel key={scopeValue} scope={scope} />
    </Stack>
  );
}

function ScopeEditor({ scope, loaded, canWrite, onSaved }: { scope: ScopeChoice; loaded: ScopeSettings; canWrite: boolean; onSaved: (revision: number) => void }) {
  const [draft, setDraft] = useState<SettingsDraft>(loaded.settings as SettingsDraft);
  const storedSecrets = useMemo(() => storedSecretPaths(loaded.settings as SettingsDraft), [loaded.settings]);
  const preview = usePreviewSettings();
  const save = useSaveScopeSettings(scope);
  const dirty = JSON.stringify(draft) !== JSON.stringify(loaded.settings);
  const inheritedWord = scope.kind === 'global' ? 'Sensor default' : 'Inherited';

  // The preview follows the edits (debounced); it also validates, so field problems show before Save.
  const draftText = JSON.stringify(draft);
  const { mutate: runPreview, reset: resetPreview } = preview;
  useEffect(() => {
    if (!canWrite || !dirty) {
      resetPreview();
      return;
    }
    const timer = setTimeout(() => runPreview({ scope, settings: forSending(JSON.parse(draftText) as SettingsDraft) }), PREVIEW_DELAY_MS);
    return () => clearTimeout(timer);
  }, [draftText, dirty, canWrite, scope.kind, scope.id, runPreview, resetPreview]);

  const error = save.error ?? preview.error;
  const problem = (path: string) => (error instanceof ApiError ? (error.problemAt(`settings.${path}`) ?? error.problemAt(path)) : undefined);
  const fieldProblems = error instanceof ApiError && error.problems.length > 0;

  return (
    <>
      <Card withBorder>
        <Text size="xs" c="dimmed" mb="sm">
          Revision {loaded.revision}
          {loaded.updatedAt ? `, saved ${new Date(loaded.updatedAt).toLocaleString()} by ${loaded.updatedBy ?? 'unknown'}` : ', nothing saved at this scope yet'}
        </Text>
        <Tabs defaultValue={SETTINGS_SECTIONS[0]?.key} keepMounted={false}>
          <Tabs.List>
            {SETTINGS_SECTIONS.map((spec) => {
              const count = overrideCount(draft, spec);
              return (
                <Tabs.Tab key={spec.key} value={spec.key} rightSection={count > 0 ? <Badge size="xs" variant="light" aria-label={`${count} set here`}>{count}</Badge> : null}>
                  {spec.label}
                </Tabs.Tab>
              );
            })}
          </Tabs.List>
          {SETTINGS_SECTIONS.map((spec) => (
            <Tabs.Panel key={spec.key} value={spec.key} pt="md">
              <Text size="sm" c="dimmed" mb="sm">
                {spec.description}
              </Text>
              <Group align="flex-start" gap="md">
                {(spec.shape === 'whole' ? [spec.field] : spec.fields).map((field) => {
                  const path = spec.shape === 'whole' ? spec.key : `${spec.key}.${field.key}`;
                  return (
                    <SettingsField
                      key={field.key}
                      spec={field}
                      value={fieldValue(draft, spec, field.key)}
                      onChange={(value) => setDraft((current) => withField(current, spec, field.key, value))}
                      problem={(subPath) => problem(subPath ? `${path}.${subPath}` : path)}
                      stored={storedSecrets.has(path)}
                      inheritedWord={inheritedWord}
                      disabled={!canWrite}
                    />
                  );
                })}
              </Group>
            </Tabs.Panel>
          ))}
        </Tabs>
      </Card>
      {canWrite ? <SettingsPreviewPanel preview={dirty ? preview.data : undefined} pending={preview.isPending} error={dirty ? error : save.error} fieldProblems={fieldProblems} /> : null}
      {save.error && !fieldProblems ? (
        <Alert color="red" role="alert" title="Not saved">
          {save.error instanceof ApiError && save.error.code === 'stale_revision' ? 'Someone saved these settings after you opened them. Reload to see their change, then edit again.' : errorMessage(save.error)}
        </Alert>
      ) : null}
      {canWrite ? (
        <Group>
          <Button onClick={() => {
              // A promise, not mutate's onSuccess: the save's live push may re-key (unmount) this editor before the answer arrives.
              save.mutateAsync({ baseRevision: loaded.revision, settings: forSending(draft) }).then((result) => onSaved(result.revision), () => undefined);
            }} loading={save.isPending} disabled={!dirty || preview.isPending || preview.isError}>
            {preview.data && dirty ? `Save and push to ${preview.data.affected.count} sensor${preview.data.affected.count === 1 ? '' : 's'}` : 'Save'}
          </Button>
          <Button variant="default" disabled={!dirty} onClick={() => setDraft(loaded.settings as SettingsDraft)}>
            Discard changes
          </Button>
        </Group>
      ) : (
        <Text c="dimmed" size="sm">
          Your role can read settings but not change them.
        </Text>
      )}
    </>
  );
}
