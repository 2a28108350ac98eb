/** Settings at a scope (global, site, zone, sensor), a sensor's effective result, the preview of a change and the rollout (drift), over REST. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from './http';
import type { DriftRow, EffectiveSettings, ScopeKind, ScopeSettings, SettingsPreview } from './payloads';

export const SETTINGS_KEY = ['settings'] as const;

export interface ScopeChoice {
  kind: ScopeKind;
  id: string | null;
}

export function scopePath(scope: ScopeChoice): string {
  return scope.kind === 'global' ? '/settings/global' : `/settings/${scope.kind}s/${scope.id ?? ''}`;
}

export function useScopeSettings(scope: ScopeChoice) {
  return useQuery({
    queryKey: [...SETTINGS_KEY, 'scope', scope.kind, scope.id],
    queryFn: () => api<ScopeSettings>('GET', scopePath(scope)),
    enabled: scope.kind === 'global' || scope.id !== null,
  });
}

export function useEffectiveSettings(sensorId: string | null) {
  return useQuery({
    queryKey: [...SETTINGS_KEY, 'effective', sensorId],
    queryFn: () => api<EffectiveSettings>('GET', `/settings/sensors/${sensorId ?? ''}/effective`),
    enabled: sensorId !== null,
  });
}

export function useSaveScopeSettings(scope: ScopeChoice) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: { baseRevision: number; settings: Record<string, unknown> }) => api<ScopeSettings>('PUT', scopePath(scope), input),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: SETTINGS_KEY }),
  });
}

export function usePreviewSettings() {
  return useMutation({
    mutationFn: (input: { scope: ScopeChoice; settings: Record<string, unknown>; sampleSensorId?: string }) => api<SettingsPreview>('POST', '/settings/preview', input),
  });
}

/** Desired vs applied revision per sensor of a scope; re-read live through the 'settings' room. */
export function useDrift(scope: ScopeChoice) {
  const filter = scope.kind === 'site' ? `?siteId=${scope.id ?? ''}` : scope.kind === 'zone' ? `?zoneId=${scope.id ?? ''}` : '';
  return useQuery({
    queryKey: [...SETTINGS_KEY, 'drift', scope.kind, scope.id],
    queryFn: async () => {
      const rows = (await api<{ items: DriftRow[] }>('GET', `/settings/drift${filter}`)).items;
      return scope.kind === 'sensor' ? rows.filter((row) => row.sensorId === scope.id) : rows;
    },
    enabled: scope.kind === 'global' || scope.id !== null,
  });
}
