/** Backups over REST: targets (create, test, usage), runs, schedules, a sensor's files, back up now, restore. */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, queryString } from './http';
import type { BackupFile, BackupRun, BackupSchedule, ConnectionTestResult, CreateScheduleInput, CreateTargetInput, RunStatus, TargetUsage, TargetView } from './payloads';

export const BACKUPS_KEY = ['backups'] as const;

function useRefresh() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: BACKUPS_KEY });
}

export function useTargets() {
  return useQuery({ queryKey: [...BACKUPS_KEY, 'targets'], queryFn: async () => (await api<{ items: TargetView[] }>('GET', '/backup-targets')).items });
}

export function useTargetUsage(targetId: string) {
  return useQuery({ queryKey: [...BACKUPS_KEY, 'usage', targetId], queryFn: () => api<TargetUsage>('GET', `/backup-targets/${encodeURIComponent(targetId)}/usage`) });
}

export function useCreateTarget() {
  const refresh = useRefresh();
  return useMutation({ mutationFn: (body: CreateTargetInput) => api<TargetView>('POST', '/backup-targets', body), onSuccess: refresh });
}

export function useDeleteTarget() {
  const refresh = useRefresh();
  return useMutation({ mutationFn: (id: string) => api<undefined>('DELETE', `/backup-targets/${encodeURIComponent(id)}`), onSuccess: refresh });
}

export function useTestTarget() {
  return useMutation({ mutationFn: (id: string) => api<ConnectionTestResult>('POST', `/backup-targets/${encodeURIComponent(id)}/test`) });
}

export function useRuns(filter: { status: RunStatus | null; limit: number }) {
  return useQuery({
    queryKey: [...BACKUPS_KEY, 'runs', filter],
    queryFn: () => api<{ items: BackupRun[]; total: number }>('GET', `/backups/runs${queryString({ status: filter.status, limit: filter.limit })}`),
    placeholderData: keepPreviousData,
    // Runs progress on the server; no live room for them yet, so the list polls while shown.
    refetchInterval: 5_000,
  });
}

export function useSchedules() {
  return useQuery({ queryKey: [...BACKUPS_KEY, 'schedules'], queryFn: async () => (await api<{ items: BackupSchedule[] }>('GET', '/backups/schedules')).items });
}

export function useCreateSchedule() {
  const refresh = useRefresh();
  return useMutation({ mutationFn: (body: CreateScheduleInput) => api<BackupSchedule>('POST', '/backups/schedules', body), onSuccess: refresh });
}

export function useDeleteSchedule() {
  const refresh = useRefresh();
  return useMutation({ mutationFn: (id: string) => api<undefined>('DELETE', `/backups/schedules/${encodeURIComponent(id)}`), onSuccess: refresh });
}

export function useSensorFiles(sensorId: string) {
  return useQuery({ queryKey: [...BACKUPS_KEY, 'files', sensorId], queryFn: async () => (await api<{ items: BackupFile[] }>('GET', `/sensors/${encodeURIComponent(sensorId)}/backups`)).items, refetchInterval: 10_000 });
}

export function useBackUpNow() {
  const refresh = useRefresh();
  return useMutation({ mutationFn: (sensorId: string) => api<BackupRun>('POST', `/sensors/${encodeURIComponent(sensorId)}/backups`), onSuccess: refresh });
}

export function useRestore() {
  const refresh = useRefresh();
  return useMutation({ mutationFn: (input: { fileId: string; sensorId: string }) => api<unknown>('POST', `/backups/${encodeURIComponent(input.fileId)}/restore`, { sensorId: input.sensorId }), onSuccess: refresh });
}
