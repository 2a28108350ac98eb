/**
 * The PKI module's HTTP face: the public CRL. The CA and the server
 * certificate themselves are loaded by app.ts before any module starts.
 */
import type { ConsoleContext, ConsoleModule } from '../../platform/console-module.js';
import { pkiRoutes } from './pki-routes.js';

export function createPkiModule(context: ConsoleContext): ConsoleModule {
  return { name: 'pki', apiRouters: [pkiRoutes(context)] };
}
