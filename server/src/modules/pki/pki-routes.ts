/**
 * /api/v1/pki, public (access-rules.ts lists it): the console CA's certificate
 * revocation list, so sensors and other TLS clients can check revocations
 * without an account.
 *   GET /crl   DER, application/pkix-crl (revoked sensors and superseded certificates)
 *
 * The CRL is rebuilt at most every few seconds: signing is cheap but a CRL
 * endpoint is an easy target for repeated requests. Its number is the build
 * time in seconds, which only grows.
 */
import type { ApiRouter } from '../../http/http-app.js';
import { DescribedRouter } from '../../http/openapi.js';
import type { ConsoleContext } from '../../platform/console-module.js';
import { buildCrl, type CertificateRevocationList } from './crl.js';

const CACHE_MS = 5000;
const NEXT_UPDATE_HOURS = 24;

export function pkiRoutes(context: ConsoleContext): ApiRouter {
  const routes = new DescribedRouter(context.apiRoutes, '/pki', 'PKI');
  let cached: { crl: CertificateRevocationList; builtAt: number } | null = null;
  let building: Promise<CertificateRevocationList> | null = null;

  async function currentCrl(): Promise<CertificateRevocationList> {
    if (cached && Date.now() - cached.builtAt < CACHE_MS) return cached.crl;
    building ??= (async () => {
      const revoked = await context.services.get('fleet').revokedSerials();
      const now = new Date();
      const crl = await buildCrl({ ca: context.ca, revoked, crlNumber: Math.floor(now.getTime() / 1000), nextUpdateHours: NEXT_UPDATE_HOURS, now });
      cached = { crl, builtAt: now.getTime() };
      return crl;
    })().finally(() => {
      building = null;
    });
    return building;
  }

  routes.route({ method: 'get', path: '/crl', summary: 'Certificate revocation list of the console CA (DER)', permission: 'public' }, async (_input, _req, res) => {
    const crl = await currentCrl();
    res.status(200).type('application/pkix-crl').set('cache-control', `public, max-age=${CACHE_MS / 1000}`).send(crl.der);
    return undefined;
  });

  return routes.apiRouter();
}
