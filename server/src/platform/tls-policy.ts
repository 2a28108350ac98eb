/**
 * TLS settings shared by every listener (HTTPS, sensor link) and by outbound
 * clients: TLS 1.2 or newer, forward-secret AEAD ciphers only for TLS 1.2
 * (TLS 1.3 suites are all strong and chosen by Node).
 */
import type { SecureContextOptions } from 'node:tls';

export const TLS_CIPHERS_TLS12 = [
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
].join(':');

export const TLS_POLICY: Pick<SecureContextOptions, 'minVersion' | 'ciphers' | 'honorCipherOrder'> = {
  minVersion: 'TLSv1.2',
  ciphers: TLS_CIPHERS_TLS12,
  honorCipherOrder: true,
};
