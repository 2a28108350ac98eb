/** Users, API tokens and the audit trail over REST (admins; the audit log also for analysts). */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, queryString } from './http';
import type { ApiTokenView, AuditRecordView, ChainVerification, CreateUserInput, Role, UserView } from './payloads';

export const USERS_KEY = ['users'] as const;
export const API_TOKENS_KEY = ['api-tokens'] as const;
export const AUDIT_KEY = ['audit'] as const;

export function useUsers() {
  return useQuery({ queryKey: USERS_KEY, queryFn: async () => (await api<{ users: UserView[] }>('GET', '/users')).users });
}

function useRefreshUsers() {
  const queryClient = useQueryClient();
  return () => Promise.all([queryClient.invalidateQueries({ queryKey: USERS_KEY }), queryClient.invalidateQueries({ queryKey: AUDIT_KEY })]);
}

export function useCreateUser() {
  const refresh = useRefreshUsers();
  return useMutation({ mutationFn: (body: CreateUserInput) => api<UserView>('POST', '/users', body), onSuccess: refresh });
}

export interface UserChange {
  displayName?: string;
  role?: Role;
  scope?: { siteIds: string[]; zoneIds: string[] } | null;
  disabled?: boolean;
}

export function useUpdateUser() {
  const refresh = useRefreshUsers();
  return useMutation({ mutationFn: (input: { id: string; change: UserChange }) => api<UserView>('PATCH', `/users/${input.id}`, input.change), onSuccess: refresh });
}

export function useResetPassword() {
  const refresh = useRefreshUsers();
  return useMutation({ mutationFn: (input: { id: string; newPassword: string }) => api<UserView>('POST', `/users/${input.id}/reset-password`, { newPassword: input.newPassword }), onSuccess: refresh });
}

export function useDeleteUser() {
  const refresh = useRefreshUsers();
  return useMutation({ mutationFn: (id: string) => api<undefined>('DELETE', `/users/${id}`), onSuccess: refresh });
}

export function useApiTokens() {
  return useQuery({ queryKey: API_TOKENS_KEY, queryFn: async () => (await api<{ apiTokens: ApiTokenView[] }>('GET', '/api-tokens')).apiTokens });
}

export function useCreateApiToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { name: string; role: Role; expiresInDays: number }) => api<{ token: string; apiToken: ApiTokenView }>('POST', '/api-tokens', body),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: API_TOKENS_KEY }),
  });
}

export function useRevokeApiToken() {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: (id: string) => api<ApiTokenView>('DELETE', `/api-tokens/${id}`), onSuccess: () => queryClient.invalidateQueries({ queryKey: API_TOKENS_KEY }) });
}

export interface AuditFilter {
  action: string;
  actor: string;
  target: string;
  outcome: 'success' | 'failure' | null;
  from: string;
  to: string;
}

/** The filter as query parameters (shared by the list and the export link). */
export function auditQuery(filter: AuditFilter): Record<string, string | undefined> {
  return {
    action: filter.action.trim() || undefined,
    actor: filter.actor.trim() || undefined,
    target: filter.target.trim() || undefined,
    outcome: filter.outcome ?? undefined,
    from: filter.from ? new Date(filter.from).toISOString() : undefined,
    to: filter.to ? new Date(filter.to).toISOString() : undefined,
  };
}

export function useAuditPage(filter: AuditFilter, before: number | null, limit: number) {
  return useQuery({
    queryKey: [...AUDIT_KEY, 'page', filter, before, limit],
    queryFn: () => api<{ records: AuditRecordView[]; nextBefore: number | null }>('GET', `/audit${queryString({ ...auditQuery(filter), before, limit })}`),
    placeholderData: keepPreviousData,
  });
}

export function useVerifyAudit() {
  return useMutation({ mutationFn: () => api<ChainVerification>('GET', '/audit/verify') });
}

export function auditExportUrl(filter: AuditFilter): string {
  return `/api/v1/audit/export${queryString(auditQuery(filter))}`;
}
