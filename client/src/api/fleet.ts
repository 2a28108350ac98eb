/** Sensors, sites and zones over REST, cached by TanStack Query under the keys below. */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, queryString } from './http';
import type { SensorDetail, SensorList, SensorSort, SensorState, SiteView, ZoneView } from './payloads';

export const SENSORS_KEY = ['sensors'] as const;
export const PLACEMENT_KEY = ['placement'] as const;

export interface SensorFilter {
  state?: SensorState | undefined;
  siteId?: string | undefined;
  /** A zone id, or 'unassigned' for sensors in no zone. */
  zoneId?: string | undefined;
  version?: string | undefined;
  q?: string | undefined;
  sort: SensorSort;
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
}

export function sensorListPath(filter: SensorFilter): string {
  const unassigned = filter.zoneId === 'unassigned';
  return `/sensors${queryString({
    state: filter.state,
    siteId: unassigned ? undefined : filter.siteId,
    zoneId: unassigned ? undefined : filter.zoneId,
    unassigned: unassigned ? 'true' : undefined,
    version: filter.version?.trim(),
    q: filter.q?.trim(),
    sort: filter.sort,
    order: filter.order,
    limit: filter.limit,
    offset: filter.offset,
  })}`;
}

export function useSensorList(filter: SensorFilter) {
  return useQuery({
    queryKey: [...SENSORS_KEY, 'list', filter],
    queryFn: () => api<SensorList>('GET', sensorListPath(filter)),
    // The previous page stays on screen while the next loads: no flashing table.
    placeholderData: keepPreviousData,
  });
}

export function useSensorCount(state: SensorState) {
  return useQuery({
    queryKey: [...SENSORS_KEY, 'count', state],
    queryFn: async () => (await api<SensorList>('GET', `/sensors${queryString({ state, limit: 1 })}`)).total,
  });
}

export function useSensor(sensorId: string) {
  return useQuery({ queryKey: [...SENSORS_KEY, 'detail', sensorId], queryFn: () => api<SensorDetail>('GET', `/sensors/${encodeURIComponent(sensorId)}`) });
}

/** `enabled: false` defers the request (the lists carry sensor counts, which cost the server more than a page of sensors). */
export function useSites(enabled = true) {
  return useQuery({ queryKey: [...PLACEMENT_KEY, 'sites'], queryFn: async () => (await api<{ items: SiteView[] }>('GET', '/sites')).items, enabled });
}

export function useZones(enabled = true) {
  return useQuery({ queryKey: [...PLACEMENT_KEY, 'zones'], queryFn: async () => (await api<{ items: ZoneView[] }>('GET', '/zones')).items, enabled });
}

/** After any fleet change: lists, counts and the tree re-read. */
function useRefreshFleet() {
  const queryClient = useQueryClient();
  return () => Promise.all([queryClient.invalidateQueries({ queryKey: SENSORS_KEY }), queryClient.invalidateQueries({ queryKey: PLACEMENT_KEY })]);
}

export function useRenameSensor(sensorId: string) {
  const refresh = useRefreshFleet();
  return useMutation({ mutationFn: (name: string) => api<SensorDetail>('PATCH', `/sensors/${sensorId}`, { name }), onSuccess: refresh });
}

export function useMoveSensors() {
  const refresh = useRefreshFleet();
  return useMutation({
    mutationFn: (input: { sensorIds: string[]; zoneId: string | null }) => api<{ moved: number; unchanged: number }>('POST', '/sensors/assign', input),
    onSuccess: refresh,
  });
}

export function useRevokeSensor(sensorId: string) {
  const refresh = useRefreshFleet();
  return useMutation({ mutationFn: () => api<SensorDetail>('POST', `/sensors/${sensorId}/revoke`), onSuccess: refresh });
}

type PlacementKind = 'sites' | 'zones';

export function useSavePlacement(kind: PlacementKind) {
  const refresh = useRefreshFleet();
  return useMutation({
    mutationFn: (input: { id?: string; body: Record<string, string> }) =>
      input.id ? api<unknown>('PATCH', `/${kind}/${input.id}`, input.body) : api<unknown>('POST', `/${kind}`, input.body),
    onSuccess: refresh,
  });
}

export function useDeletePlacement(kind: PlacementKind) {
  const refresh = useRefreshFleet();
  return useMutation({ mutationFn: (id: string) => api<undefined>('DELETE', `/${kind}/${id}`), onSuccess: refresh });
}
