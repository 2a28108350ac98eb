/**
 * A local HTTPS webhook receiver for tests: records every request (headers and
 * raw body), answers with a status the test chooses (`respondWith(503, 2)`), and
 * checks Garrison's HMAC-SHA256 signature the way a real receiver would.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { waitFor } from './free-ports.js';

export interface ReceivedWebhook {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  respondWith(status: number, count: number): void;
  /** True when the signature header matches HMAC-SHA256(secret, "<timestamp>.<body>"). */
  verify(webhook: ReceivedWebhook, secret: string): boolean;
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  stop(): Promise<void>;
}

export async function startWebhookReceiver(tls: { certPem: string; keyPem: string }): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  let scripted: { status: number; remaining: number } | null = null;
  const server = https.createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let status = 204;
      if (scripted && scripted.remaining > 0) {
        scripted.remaining -= 1;
        status = scripted.status;
      } else {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      }
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://localhost:${port}/hooks/garrison`,
    received,
    respondWith(status, count) {
      scripted = { status, remaining: count };
    },
    verify(webhook, secret) {
      const timestamp = String(webhook.headers['x-garrison-timestamp'] ?? '');
      const signature = String(webhook.headers['x-garrison-signature'] ?? '');
      const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${webhook.body}`).digest('hex')}`;
      return signature.length === expected.length && timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
    },
    async waitFor(count, timeoutMs = 10_000) {
      await waitFor(() => received.length >= count, timeoutMs, () => `${received.length} of ${count} webhooks received`);
      return received;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
