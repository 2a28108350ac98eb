/**
 * The local Management Console Connection page: paste a connection string,
 * press Connect, read each step and any problem in words. Served on 127.0.0.1
 * only, one self-contained HTML page (no external assets: sensors are
 * air-gapped).
 *
 *   GET  /         the page
 *   GET  /status   { enrolled, sensorName, link, enrolment: { running, steps, error } }
 *   POST /connect  { connectionString, name? } (application/json) → 202, progress via /status
 *
 * A browser on the sensor is the only intended client: requests must name
 * this loopback address in Host (no DNS rebinding) and POSTs must be JSON
 * from no or the same origin (a cross-site form cannot send JSON).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { CONNECT_PAGE_HTML } from './connect-page-html.js';

const connectBody = z.strictObject({
  connectionString: z.string().min(1, 'Paste the connection string first.').max(4096, 'That is far longer than a connection string.'),
  name: z.string().trim().max(63).optional(),
});

export interface ConnectPageStatus {
  enrolled: boolean;
  sensorName: string | null;
  link: { state: string; message: string } | null;
}

export interface ConnectPageOptions {
  port: number;
  status(): Promise<ConnectPageStatus>;
  /** Runs the enrolment; reports each step through `progress`. */
  connect(input: { connectionString: string; name?: string }, progress: (sentence: string) => void): Promise<void>;
}

export interface ConnectPage {
  port: number;
  close(): Promise<void>;
}

function send(res: http.ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'content-security-policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'",
  });
  res.end(body);
}

export async function serveConnectPage(options: ConnectPageOptions): Promise<ConnectPage> {
  const enrolment = { running: false, steps: [] as string[], error: null as string | null };
  let port = options.port;

  const server = http.createServer((req, res) => {
    const host = req.headers.host ?? '';
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) return send(res, 421, 'text/plain', 'Open this page at http://127.0.0.1 on the sensor.');
    const url = new URL(req.url ?? '/', `http://${host}`);
    if (req.method === 'GET' && url.pathname === '/') return send(res, 200, 'text/html; charset=utf-8', CONNECT_PAGE_HTML);
    if (req.method === 'GET' && url.pathname === '/status') {
      void options.status().then(
        (status) => send(res, 200, 'application/json', JSON.stringify({ ...status, enrolment })),
        (error: unknown) => send(res, 500, 'application/json', JSON.stringify({ error: (error as Error).message })),
      );
      return;
    }
    if (req.method === 'POST' && url.pathname === '/connect') {
      const origin = req.headers.origin;
      if ((origin !== undefined && origin !== `http://${host}`) || !(req.headers['content-type'] ?? '').startsWith('application/json')) {
        return send(res, 403, 'application/json', JSON.stringify({ error: 'Use the page served by this sensor.' }));
      }
      let text = '';
      req.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8');
        if (text.length > 8192) req.destroy();
      });
      req.on('end', () => {
        let parsed;
        try {
          parsed = connectBody.safeParse(JSON.parse(text));
        } catch {
          return send(res, 400, 'application/json', JSON.stringify({ error: 'The request is not JSON.' }));
        }
        if (!parsed.success) return send(res, 400, 'application/json', JSON.stringify({ error: parsed.error.issues[0]?.message ?? 'Invalid request.' }));
        if (enrolment.running) return send(res, 409, 'application/json', JSON.stringify({ error: 'A connection attempt is already running.' }));
        enrolment.running = true;
        enrolment.steps = [];
        enrolment.error = null;
        const input = { connectionString: parsed.data.connectionString, ...(parsed.data.name ? { name: parsed.data.name } : {}) };
        options
          .connect(input, (sentence) => enrolment.steps.push(sentence))
          .catch((error: unknown) => {
            enrolment.error = (error as Error).message;
          })
          .finally(() => {
            enrolment.running = false;
          });
        send(res, 202, 'application/json', JSON.stringify({ accepted: true }));
      });
      return;
    }
    send(res, 404, 'text/plain', 'Not found.');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
