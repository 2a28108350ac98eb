/**
 * The SSH admin CLI module: the host key (created at first start), the ssh2
 * listener on GARRISON_SSH_PORT, the command groups, and the 'ssh' component
 * in the registry. Provides the `sshCli` service (the port actually listened
 * on, and the host key fingerprint operators compare on first connection).
 *
 * Not here yet, waiting for the backups module: `system backup`,
 * `system backup-list`, `system restore` and `sensors backup`.
 */
import { ROLE_LABELS } from '../http/permissions.js';
import { ConnectionStringStore } from '../modules/enrollment/connection-string-store.js';
import type { ConsoleContext, ConsoleModule } from '../platform/console-module.js';
import { CommandRegistry } from './command-registry.js';
import { connectionStringCommands } from './commands/connection-string-commands.js';
import { diagnosticsCommand } from './commands/diagnostics-command.js';
import { FleetLookup } from './commands/fleet-lookup.js';
import { networkCommands } from './commands/network-commands.js';
import { ntpCommands } from './commands/ntp-commands.js';
import { sensorCommands } from './commands/sensor-commands.js';
import { systemCommands } from './commands/system-commands.js';
import { userCommands } from './commands/user-commands.js';
import { loadOrCreateHostKey } from './host-key.js';
import { SshServer } from './ssh-server.js';

export interface SshCliService {
  /** The port actually listened on (config may say 0 in tests); throws before start. */
  port(): number;
  /** `SHA256:…`, as OpenSSH prints it; throws before start. */
  hostKeyFingerprint(): string;
}

declare module '../platform/console-module.js' {
  interface ConsoleServices {
    sshCli: SshCliService;
  }
}

export function createCliModule(context: ConsoleContext): ConsoleModule {
  const logger = context.logger.child({ module: 'cli' });
  const { config, services } = context;
  let server: SshServer | null = null;
  let listeningPort: number | null = null;
  let fingerprint: string | null = null;

  const ready = <Value>(value: Value | null, what: string): Value => {
    if (value === null) throw new Error(`The SSH CLI has not started yet (${what})`);
    return value;
  };
  services.provide('sshCli', {
    port: () => ready(listeningPort, 'port'),
    hostKeyFingerprint: () => ready(fingerprint, 'host key'),
  });

  const lookup = new FleetLookup(context);
  const registry = new CommandRegistry(logger);
  registry.add([
    ...systemCommands({ components: context.components, version: context.version, startedAt: context.startedAt, hostKeyFingerprint: () => ready(fingerprint, 'host key') }),
    ...ntpCommands({ settings: () => services.get('settings'), audit: () => services.get('audit') }),
    ...networkCommands({ publicHosts: config.publicHosts, bindAddress: config.bindAddress }),
    ...sensorCommands(lookup),
    ...connectionStringCommands({
      store: new ConnectionStringStore(context.db, context.secretBox),
      lookup,
      ca: context.ca,
      publicHosts: config.publicHosts,
      linkPort: () => services.get('sensorLink').port(),
      audit: () => services.get('audit'),
    }),
    ...userCommands(() => services.get('users')),
    diagnosticsCommand({
      config,
      components: context.components,
      version: context.version,
      startedAt: context.startedAt,
      lookup,
      listeners: () => ({
        https: config.httpsPort === 0 ? '(chosen at start)' : config.httpsPort,
        link: services.get('sensorLink').port(),
        ssh: ready(listeningPort, 'port'),
        snmp: services.get('snmpAgent').port(),
      }),
    }),
  ]);

  return {
    name: 'cli',
    async start() {
      context.components.set('ssh', 'starting');
      const hostKey = await loadOrCreateHostKey(config.dataDir);
      fingerprint = hostKey.fingerprint;
      if (hostKey.created) logger.info({ fingerprint }, 'SSH host key created');
      server = new SshServer({
        hostKey: hostKey.privateKey,
        registry,
        signIn: () => services.get('signIn'),
        logger,
        banner: (user) => [`Garrison ${context.version} management console. Signed in as ${user.username} (${ROLE_LABELS[user.role]}).`, 'Type "help" for the commands, "exit" to sign out.'],
      });
      try {
        listeningPort = await server.listen(config.sshPort, config.bindAddress);
      } catch (error) {
        context.components.set('ssh', 'down', `cannot listen on ${config.bindAddress}:${config.sshPort}: ${(error as Error).message}`);
        throw error;
      }
      context.components.set('ssh', 'up', `SSH CLI on ${config.bindAddress}:${listeningPort}, host key ${fingerprint}`);
      logger.info({ port: listeningPort, fingerprint }, 'SSH CLI listening');
    },
    async stop() {
      await server?.close();
      server = null;
      context.components.set('ssh', 'stopped');
    },
  };
}
