/**
 * /api/v1/pki, admins only ('system:manage'): the console's TLS settings.
 *   GET    /web-certificate              what the HTTPS listener serves: subject, issuer, SANs,
 *                                        validity, fingerprint, source (never the key)
 *   PUT    /web-certificate              upload { certificate, privateKey, chain?, passphrase? } (PEM text);
 *                                        refused with the reason and field, applied without restart
 *   DELETE /web-certificate              back to the certificate signed by the console CA
 *   POST   /web-certificate/self-signed  the same, for clients that cannot send DELETE
 *   GET    /outbound-validation          "Enable certificate validation" for outbound TLS
 *   PUT    /outbound-validation          { enabled }
 */
import type { ApiRouter } from '../../http/http-app.js';
import { DescribedRouter, type ApiRouteCatalogue } from '../../http/openapi.js';
import { auditContextOf } from '../audit/audit-request.js';
import type { OutboundTlsPolicy } from './outbound-tls.js';
import { outboundValidationBody, webCertificateBody } from './schema.js';
import type { WebCertificateService } from './web-certificate-service.js';

export function tlsSettingsRoutes(catalogue: ApiRouteCatalogue, webCertificate: WebCertificateService, outbound: OutboundTlsPolicy): ApiRouter {
  const routes = new DescribedRouter(catalogue, '/pki', 'PKI');
  const permission = 'system:manage';

  routes.route({ method: 'get', path: '/web-certificate', summary: 'The web console certificate now served (never the key)', permission }, async () =>
    webCertificate.current(),
  );

  routes.route(
    { method: 'put', path: '/web-certificate', summary: 'Upload a web console certificate + key (+ chain, + passphrase); applied without restart', permission, body: webCertificateBody },
    async ({ body }, req) =>
      webCertificate.upload(
        { certificatePem: body.certificate, privateKeyPem: body.privateKey, chainPem: body.chain, passphrase: body.passphrase },
        auditContextOf(req),
      ),
  );

  const backToConsoleCa = { summary: "Serve the console CA's certificate again", permission } as const;
  routes.route({ method: 'delete', path: '/web-certificate', ...backToConsoleCa }, async (_input, req) => webCertificate.useConsoleCa(auditContextOf(req)));
  routes.route({ method: 'post', path: '/web-certificate/self-signed', ...backToConsoleCa }, async (_input, req) => webCertificate.useConsoleCa(auditContextOf(req)));

  routes.route({ method: 'get', path: '/outbound-validation', summary: 'Whether outbound TLS (syslog, SMTP, webhooks) validates certificates', permission }, async () =>
    outbound.get(),
  );

  routes.route(
    { method: 'put', path: '/outbound-validation', summary: 'Turn outbound certificate validation on or off', permission, body: outboundValidationBody },
    async ({ body }, req) => outbound.set(body.enabled, auditContextOf(req)),
  );

  return routes.apiRouter();
}
