/** Connection strings over REST (admins): the standing one, single-use ones, the list, revoke. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from './http';
import type { ConnectionStringView, IssuedConnectionString } from './payloads';

export const CONNECTION_STRINGS_KEY = ['connection-strings'] as const;

export function useStandingString() {
  return useQuery({ queryKey: [...CONNECTION_STRINGS_KEY, 'standing'], queryFn: () => api<IssuedConnectionString>('GET', '/connection-strings/standing') });
}

export function useConnectionStrings(enabled = true) {
  return useQuery({
    enabled,
    queryKey: [...CONNECTION_STRINGS_KEY, 'list'],
    queryFn: async () => (await api<{ connectionStrings: ConnectionStringView[] }>('GET', '/connection-strings?limit=50')).connectionStrings,
  });
}

function useRefresh() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: CONNECTION_STRINGS_KEY });
}

export function useRegenerateStanding() {
  const queryClient = useQueryClient();
  const refresh = useRefresh();
  return useMutation({
    mutationFn: (ttlSeconds: number) => api<IssuedConnectionString>('POST', '/connection-strings/standing/regenerate', { ttlSeconds }),
    onSuccess: async (issued) => {
      queryClient.setQueryData([...CONNECTION_STRINGS_KEY, 'standing'], issued);
      await queryClient.invalidateQueries({ queryKey: [...CONNECTION_STRINGS_KEY, 'list'] });
    },
    onError: refresh,
  });
}

export function useCreateSingleUse() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: { zoneId: string | null; ttlSeconds: number }) => api<IssuedConnectionString>('POST', '/connection-strings', input),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: [...CONNECTION_STRINGS_KEY, 'list'] }),
  });
}

export function useRevokeConnectionString() {
  const refresh = useRefresh();
  return useMutation({ mutationFn: (id: string) => api<undefined>('DELETE', `/connection-strings/${encodeURIComponent(id)}`), onSuccess: refresh });
}
