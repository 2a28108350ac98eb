/**
 * The web console module: serves the built browser client at `/` and runs the
 * live-update hub (socket.io namespace /live) on the HTTPS listener, which it
 * receives through `attach()` once app.ts has created the server.
 */
import type { ConsoleContext, ConsoleModule } from '../../platform/console-module.js';
import { LiveHub } from './live-hub.js';
import { LiveSessions } from './live-session.js';
import { findClientRoot, staticClient } from './static-client.js';

export function createWebConsoleModule(context: ConsoleContext): ConsoleModule {
  const logger = context.logger.child({ module: 'web-console' });
  const clientRoot = findClientRoot();
  const sessions = new LiveSessions(context.db, () => context.services.get('users'));
  const hub = new LiveHub({ events: context.events, sessions, logger });

  return {
    name: 'web-console',
    webHandlers: staticClient(clientRoot),
    async start() {
      if (clientRoot === null) logger.warn('client/dist is missing: the web console answers 503 until `npm run build:client` has run');
    },
    attach(server) {
      hub.attach(server);
    },
    detach() {
      hub.close();
    },
    async stop() {
      hub.close();
    },
  };
}
