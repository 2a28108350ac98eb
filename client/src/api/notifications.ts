/** Forwarding over REST: the catalogue, rules (CRUD + test), deliveries (+ retry), SMTP, system events. */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, queryString } from './http';
import type { Delivery, DeliveryStatus, EventView, ForwardingRule, NotificationCatalogue, RuleBody, RuleTestAnswer, Severity, SmtpSettingsBody, SmtpSettingsView } from './payloads';

export const NOTIFICATIONS_KEY = ['notifications'] as const;
const base = '/notifications';

export function useCatalogue() {
  return useQuery({ queryKey: [...NOTIFICATIONS_KEY, 'catalogue'], queryFn: () => api<NotificationCatalogue>('GET', `${base}/catalogue`), staleTime: Infinity });
}

export function useRules() {
  return useQuery({ queryKey: [...NOTIFICATIONS_KEY, 'rules'], queryFn: async () => (await api<{ rules: ForwardingRule[] }>('GET', `${base}/rules`)).rules });
}

export function useRule(id: string | null) {
  return useQuery({ queryKey: [...NOTIFICATIONS_KEY, 'rules', id], queryFn: () => api<ForwardingRule>('GET', `${base}/rules/${encodeURIComponent(id ?? '')}`), enabled: id !== null });
}

function useRefresh() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: NOTIFICATIONS_KEY });
}

export function useSaveRule() {
  const refresh = useRefresh();
  return useMutation({
    mutationFn: (input: { id: string | null; body: RuleBody }) =>
      input.id ? api<ForwardingRule>('PUT', `${base}/rules/${encodeURIComponent(input.id)}`, input.body) : api<ForwardingRule>('POST', `${base}/rules`, input.body),
    onSuccess: refresh,
  });
}

export function useDeleteRule() {
  const refresh = useRefresh();
  return useMutation({ mutationFn: (id: string) => api<undefined>('DELETE', `${base}/rules/${encodeURIComponent(id)}`), onSuccess: refresh });
}

export function useTestRule() {
  const refresh = useRefresh();
  return useMutation({ mutationFn: (id: string) => api<RuleTestAnswer>('POST', `${base}/rules/${encodeURIComponent(id)}/test`), onSettled: refresh });
}

export interface DeliveryFilter {
  /** 'failing': pending deliveries that failed at least once. */
  view: 'all' | 'failing' | DeliveryStatus;
  ruleId?: string | undefined;
  limit: number;
}

export function useDeliveries(filter: DeliveryFilter) {
  return useQuery({
    queryKey: [...NOTIFICATIONS_KEY, 'deliveries', filter],
    queryFn: async () => {
      const { view, ruleId, limit } = filter;
      const query = queryString({ status: view === 'all' || view === 'failing' ? undefined : view, failing: view === 'failing' ? 'true' : undefined, ruleId, limit });
      return (await api<{ deliveries: Delivery[] }>('GET', `${base}/deliveries${query}`)).deliveries;
    },
    placeholderData: keepPreviousData,
    // No live room for deliveries yet: poll while the view is open.
    refetchInterval: 10_000,
  });
}

export function useRetryDelivery() {
  const refresh = useRefresh();
  return useMutation({ mutationFn: (id: string) => api<Delivery>('POST', `${base}/deliveries/${encodeURIComponent(id)}/retry`), onSuccess: refresh });
}

export function useSmtpSettings() {
  return useQuery({ queryKey: [...NOTIFICATIONS_KEY, 'smtp'], queryFn: () => api<SmtpSettingsView | { configured: false }>('GET', `${base}/smtp`) });
}

export function useSaveSmtp() {
  const refresh = useRefresh();
  return useMutation({ mutationFn: (body: SmtpSettingsBody) => api<SmtpSettingsView>('PUT', `${base}/smtp`, body), onSuccess: refresh });
}

export function useSendTestMail() {
  return useMutation({ mutationFn: (to: string) => api<{ ok: boolean; result: string }>('POST', `${base}/smtp/test`, { to }) });
}

export interface EventFilter {
  types: string[];
  minimumSeverity: Severity | null;
  siteId: string | null;
  zoneId: string | null;
  from: string;
  to: string;
  limit: number;
}

export function useEvents(filter: EventFilter) {
  return useQuery({
    queryKey: [...NOTIFICATIONS_KEY, 'events', filter],
    queryFn: async () => {
      const query = queryString({
        type: filter.types.join(','),
        minimumSeverity: filter.minimumSeverity,
        siteId: filter.siteId,
        zoneId: filter.zoneId,
        from: filter.from ? new Date(filter.from).toISOString() : undefined,
        to: filter.to ? new Date(filter.to).toISOString() : undefined,
        limit: filter.limit,
      });
      return (await api<{ events: EventView[] }>('GET', `${base}/events${query}`)).events;
    },
    placeholderData: keepPreviousData,
    refetchInterval: 15_000,
  });
}
