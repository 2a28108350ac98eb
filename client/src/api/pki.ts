/** Certificates over REST: the web console certificate (upload / back to the console CA), outbound validation, the SSH host key. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from './http';
import type { HostKeyView, OutboundValidationView, WebCertificateUpload, WebCertificateView } from './payloads';

export const PKI_KEY = ['pki'] as const;

export function useWebCertificate(enabled: boolean) {
  return useQuery({ queryKey: [...PKI_KEY, 'web-certificate'], queryFn: () => api<WebCertificateView>('GET', '/pki/web-certificate'), enabled });
}

export function useUploadWebCertificate() {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: (body: WebCertificateUpload) => api<WebCertificateView>('PUT', '/pki/web-certificate', body), onSuccess: (view) => queryClient.setQueryData([...PKI_KEY, 'web-certificate'], view) });
}

export function useConsoleCaCertificate() {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: () => api<WebCertificateView>('DELETE', '/pki/web-certificate'), onSuccess: (view) => queryClient.setQueryData([...PKI_KEY, 'web-certificate'], view) });
}

export function useOutboundValidation(enabled: boolean) {
  return useQuery({ queryKey: [...PKI_KEY, 'outbound'], queryFn: () => api<OutboundValidationView>('GET', '/pki/outbound-validation'), enabled });
}

export function useSetOutboundValidation() {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: (enabled: boolean) => api<OutboundValidationView>('PUT', '/pki/outbound-validation', { enabled }), onSuccess: (view) => queryClient.setQueryData([...PKI_KEY, 'outbound'], view) });
}

export function useHostKey() {
  return useQuery({ queryKey: [...PKI_KEY, 'host-key'], queryFn: () => api<HostKeyView>('GET', '/cli/host-key') });
}
