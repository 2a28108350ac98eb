/**
 * Webhook forwarding: an HTTPS POST of the event as JSON, signed so the
 * receiver can check it came from this console and was not replayed:
 *
 *   X-Garrison-Timestamp: <unix seconds>
 *   X-Garrison-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>
 *   X-Garrison-Event-Id:  <event id>   (drop duplicates with it)
 *
 * 2xx is delivered; 408, 429 and 5xx are worth retrying, as is no answer at
 * all; any other status is permanent. Redirects are not followed.
 */
import { createHmac } from 'node:crypto';
import https from 'node:https';
import { z } from 'zod';
import { TLS_POLICY } from '../../../platform/tls-policy.js';
import { outboundTlsOptions } from '../../pki/outbound-tls.js';
import type { ActionType, OutgoingNotification, SendResult } from './action-contract.js';
import { errorReason } from './action-contract.js';
import { pemField, timeoutField } from './config-fields.js';

export const webhookConfig = z.strictObject({
  url: z
    .url({ protocol: /^https$/, message: 'An https:// URL' })
    .max(2048)
    .refine((value) => new URL(value).username === '' && new URL(value).password === '', { message: 'No credentials in the URL: use the secret' }),
  secret: z.string().min(16, 'At least 16 characters').max(256).nullable().default(null),
  timeoutMs: timeoutField.default(10_000),
  /** PEM of the CA that signed the receiver's certificate (the system store otherwise). */
  trustedCaPem: pemField.nullable().default(null),
}).refine((config) => config.secret !== null, { message: 'A webhook needs a signing secret', path: ['secret'] });

export type WebhookConfig = z.output<typeof webhookConfig>;

export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export function webhookBody(notification: OutgoingNotification): string {
  return JSON.stringify({ event: notification.event, rule: notification.ruleName, console: notification.consoleName });
}

function post(config: WebhookConfig, body: string, headers: Record<string, string>): Promise<SendResult> {
  return new Promise((resolve) => {
    const request = https.request(
      config.url,
      {
        method: 'POST',
        ...TLS_POLICY,
        ...outboundTlsOptions(config.trustedCaPem),
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers },
        timeout: config.timeoutMs,
      },
      (response) => {
        response.resume();
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve({ ok: true });
        else resolve({ ok: false, retryable: status === 408 || status === 429 || status >= 500, reason: `The receiver answered HTTP ${status}${response.statusMessage ? ` ${response.statusMessage}` : ''}` });
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${config.timeoutMs} ms`)));
    request.on('error', (error) => resolve({ ok: false, retryable: true, reason: `The receiver could not be reached: ${errorReason(error)}` }));
    request.end(body);
  });
}

export function createWebhookAction(version: string): ActionType<typeof webhookConfig> {
  return {
    type: 'webhook',
    label: 'Webhook (HTTPS, signed)',
    config: webhookConfig,
    secretFields: ['secret'],
    describeTarget: (config) => {
      const url = new URL(config.url);
      return `webhook ${url.origin}${url.pathname}`;
    },
    async send(notification, config) {
      const body = webhookBody(notification);
      const timestamp = String(Math.floor(Date.now() / 1000));
      return post(config, body, {
        'user-agent': `Garrison/${version}`,
        'x-garrison-event-id': notification.event.id,
        'x-garrison-timestamp': timestamp,
        'x-garrison-signature': webhookSignature(config.secret ?? '', timestamp, body),
      });
    },
  };
}
