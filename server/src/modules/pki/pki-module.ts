/**
 * The PKI module's HTTP face and TLS settings: the public CRL, the web console
 * certificate (uploaded or the console CA's, applied to the HTTPS listener
 * without restart) and outbound certificate validation. The CA and the server
 * certificate themselves are loaded by app.ts before any module starts.
 *
 * Services for other modules:
 *   webCertificate  (WebCertificateService)  what the HTTPS listener serves; upload / back to the console CA
 *   outboundTls     (OutboundTlsPolicy)      the "Enable certificate validation" setting;
 *                                            transports call outboundTlsOptions() (outbound-tls.ts)
 */
import type { ConsoleContext, ConsoleModule } from '../../platform/console-module.js';
import { OutboundTlsPolicy } from './outbound-tls.js';
import { pkiRoutes } from './pki-routes.js';
import { loadOrIssueServerCertificate } from './server-certificate.js';
import { tlsSettingsRoutes } from './tls-settings-routes.js';
import { WebCertificateService } from './web-certificate-service.js';

declare module '../../platform/console-module.js' {
  interface ConsoleServices {
    webCertificate: WebCertificateService;
    outboundTls: OutboundTlsPolicy;
  }
}

export function createPkiModule(context: ConsoleContext): ConsoleModule {
  const logger = context.logger.child({ module: 'pki' });
  const audit = () => context.services.get('audit');
  const webCertificate = new WebCertificateService({ db: context.db, secretBox: context.secretBox, audit, logger });
  const outboundTls = new OutboundTlsPolicy(context.db, audit, context.events, logger);
  context.services.provide('webCertificate', webCertificate);
  context.services.provide('outboundTls', outboundTls);

  return {
    name: 'pki',
    apiRouters: [pkiRoutes(context), tlsSettingsRoutes(context.apiRoutes, webCertificate, outboundTls)],
    async start() {
      // Loads what app.ts already issued at this start (no second issue): the default web certificate.
      const consoleCertificate = await loadOrIssueServerCertificate({
        dataDir: context.config.dataDir,
        ca: context.ca,
        hosts: context.config.publicHosts,
        secretBox: context.secretBox,
        logger,
      });
      await webCertificate.start(consoleCertificate);
      await outboundTls.start();
    },
    attach(server) {
      webCertificate.attach(server);
    },
    detach() {
      webCertificate.detach();
    },
    async stop() {
      webCertificate.stop();
      outboundTls.stop();
    },
  };
}
