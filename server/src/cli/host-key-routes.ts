/**
 * /api/v1/cli ('console:read'): what an operator compares on first connection.
 *   GET /host-key   { algorithm: 'ED25519', fingerprint: 'SHA256:…', port }
 * The fingerprint is the one `ssh` prints ("ED25519 key fingerprint is SHA256:…")
 * and `ssh-keyscan -t ed25519 -p <port> <host> | ssh-keygen -lf -` shows.
 */
import type { ApiRouter } from '../http/http-app.js';
import { DescribedRouter, type ApiRouteCatalogue } from '../http/openapi.js';

export interface HostKeyView {
  algorithm: 'ED25519';
  fingerprint: string;
  port: number;
}

export function hostKeyRoutes(catalogue: ApiRouteCatalogue, sshCli: () => { port(): number; hostKeyFingerprint(): string }): ApiRouter {
  const routes = new DescribedRouter(catalogue, '/cli', 'SSH CLI');
  routes.route({ method: 'get', path: '/host-key', summary: "The SSH CLI's host key fingerprint, to verify on first connection", permission: 'console:read' }, async (): Promise<HostKeyView> => ({
    algorithm: 'ED25519',
    fingerprint: sshCli().hostKeyFingerprint(),
    port: sshCli().port(),
  }));
  return routes.apiRouter();
}
