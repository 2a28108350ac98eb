/** Settings at a scope (global, site, zone) and a sensor's effective result, over REST. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from './http';
import type { EffectiveSettings, ScopeKind, ScopeSettings } from './payloads';

export const SETTINGS_KEY = ['settings'] as const;

export interface ScopeChoice {
  kind: Exclude<ScopeKind, 'sensor'>;
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
