/**
 * The SSH admin CLI module: the host key (created at first start), the ssh2
 * listener on GARRISON_SSH_PORT, the command groups, and the 'ssh' component
 * in the registry. Provides the `sshCli` service (the port actually listened
 * on, and the host key fingerprint operators compare on first connection),
 * GET /api/v1/cli/host-key, and the users' SSH keys for key sign-in
 * (ssh-keys/, API under /api/v1/users/…/ssh-keys).
 */
import { ROLE_LABELS } from '../http/permissions.js';
import { ConnectionStringStore } from '../modules/enrollment/connection-string-store.js';
import type { ConsoleContext, ConsoleModule } from '../platform/console-module.js';
import { CommandRegistry } from './command-registry.js';
import { certCommands } from './commands/cert-commands.js';
import { connectionStringCommands } from './commands/connection-string-commands.js';
import { consoleBackupCommands } from './commands/console-backup-commands.js';
import { diagnosticsCommand } from './commands/diagnostics-command.js';
import { FleetLookup } from './commands/fleet-lookup.js';
import { networkCommands } from './commands/network-commands.js';
import { ntpCommands } from './commands/ntp-commands.js';
import { sensorBackupCommand } from './commands/sensor-backup-command.js';
import { sensorCommands } from './commands/sensor-commands.js';
import { systemCommands } from './commands/system-commands.js';
import { userCommands } from './commands/user-commands.js';
import { loadOrCreateHostKey } from './host-key.js';
import { hostKeyRoutes } from './host-key-routes.js';
import { LockoutGuard } from '../modules/users/auth/lockout-guard.js';
import { PublicKeySignIn } from './ssh-keys/public-key-sign-in.js';
import { sshKeyRoutes } from './ssh-keys/ssh-key-routes.js';
import { SshKeyService } from './ssh-keys/ssh-key-service.js';
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

  const audit = () => services.get('audit');
  const sshKeys = new SshKeyService(context.db, () => services.get('users'), audit);
  const publicKeySignIn = new PublicKeySignIn({ keys: sshKeys, users: () => services.get('users'), lockout: new LockoutGuard(context.db), audit, logger });

  const lookup = new FleetLookup(context);
  const registry = new CommandRegistry(logger);
  registry.add([
    ...systemCommands({ components: context.components, version: context.version, startedAt: context.startedAt, hostKeyFingerprint: () => ready(fingerprint, 'host key') }),
    ...ntpCommands({ settings: () => services.get('settings'), audit: () => services.get('audit') }),
    ...networkCommands({ publicHosts: config.publicHosts, bindAddress: config.bindAddress }),
    ...sensorCommands(lookup),
    sensorBackupCommand({ lookup, backups: () => services.get('backups'), audit: () => services.get('audit') }),
    ...connectionStringCommands({
      store: new ConnectionStringStore(context.db, context.secretBox),
      lookup,
      ca: context.ca,
      publicHosts: config.publicHosts,
      linkPort: () => services.get('sensorLink').port(),
      audit: () => services.get('audit'),
    }),
    ...userCommands(() => services.get('users')),
    ...consoleBackupCommands({ backups: () => services.get('consoleBackup'), audit: () => services.get('audit'), version: context.version }),
    ...certCommands(() => services.get('webCertificate')),
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
    apiRouters: [sshKeyRoutes(context.apiRoutes, sshKeys), hostKeyRoutes(context.apiRoutes, () => services.get('sshCli'))],
    async start() {
      context.components.set('ssh', 'starting');
      await sshKeys.start();
      const hostKey = await loadOrCreateHostKey(config.dataDir);
      fingerprint = hostKey.fingerprint;
      if (hostKey.created) logger.info({ fingerprint }, 'SSH host key created');
      server = new SshServer({
        hostKey: hostKey.privateKey,
        registry,
        signIn: () => services.get('signIn'),
        publicKeySignIn,
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
