/**
 * The SSH listener of the admin CLI (ssh2). Console users sign in with their
 * password through the users module's sign-in service, or with an SSH key
 * they registered (ssh-keys/public-key-sign-in.ts); either way the web
 * console's lockout (MAX_FAILED_LOGINS per source address) and sign-in audit
 * records apply to SSH too. After sign-in a channel is either
 *   exec  (`ssh admin@console 'system version'`): output on stdout, problems on
 *         stderr, the command's exit status;
 *   shell (`ssh admin@console`): the interactive shell (cli-shell.ts).
 * Nothing else is offered: no port forwarding, no subsystems (sftp), no agent.
 */
import type { AddressInfo } from 'node:net';
import ssh2, { type AuthContext, type Connection, type ServerChannel } from 'ssh2';
import type { Logger } from '../platform/logger.js';
import { isAppError } from '../platform/errors.js';
import { normalizeAddress } from '../modules/audit/audit-request.js';
import type { SignInService } from '../modules/users/auth/sign-in-service.js';
import { cliUserOf, type CliInvocation, type CliUser } from './cli-command.js';
import type { CommandRegistry } from './command-registry.js';
import type { PublicKeySignIn } from './ssh-keys/public-key-sign-in.js';
import { runShell } from './cli-shell.js';

export interface SshServerOptions {
  hostKey: string;
  registry: CommandRegistry;
  signIn: () => SignInService;
  publicKeySignIn: PublicKeySignIn;
  logger: Logger;
  banner: (user: CliUser) => string[];
  /** Connections beyond this are closed at once: the CLI is for a few operators, not a crowd. */
  maxConnections?: number;
}

/** Password tries per connection before it is closed (OpenSSH's MaxAuthTries is 6). */
const MAX_TRIES_PER_CONNECTION = 3;
/** Keys a connection may offer (a client offers each key it holds, one by one). */
const MAX_KEY_OFFERS_PER_CONNECTION = 10;
const METHODS: AuthContext['method'][] = ['publickey', 'password'];
/** A connection must sign in within this time. */
const SIGN_IN_TIMEOUT_MS = 60_000;

export class SshServer {
  private readonly server: ssh2.Server;
  private readonly connections = new Set<Connection>();

  constructor(private readonly options: SshServerOptions) {
    this.server = new ssh2.Server({ hostKeys: [options.hostKey], ident: 'Garrison' }, (client, info) => this.accept(client, info.ip));
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  async close(): Promise<void> {
    for (const connection of this.connections) connection.end();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Connection, ip: string): void {
    const sourceAddress = normalizeAddress(ip);
    const log = this.options.logger.child({ sourceAddress });
    if (this.connections.size >= (this.options.maxConnections ?? 32)) {
      log.warn('SSH connection refused: too many open connections');
      client.end();
      return;
    }
    this.connections.add(client);
    let user: CliUser | null = null;
    let tries = 0;
    let keyOffers = 0;
    /** The user name of refused key offers, until a signed attempt or a password is counted instead. */
    let refusedKeyUser: string | null = null;
    const signInTimer = setTimeout(() => client.end(), SIGN_IN_TIMEOUT_MS);
    signInTimer.unref();

    client.on('authentication', (context: AuthContext) => {
      if (context.method === 'publickey') {
        keyOffers += 1;
        if (keyOffers > MAX_KEY_OFFERS_PER_CONNECTION) {
          context.reject(['password']);
          return;
        }
        this.publicKey(context, sourceAddress).then(
          (outcome) => {
            if (outcome.user) {
              user = outcome.user;
              refusedKeyUser = null;
              context.accept();
              return;
            }
            if (outcome.counted) refusedKeyUser = null;
            else if (!outcome.offered) refusedKeyUser = context.username;
            if (outcome.offered) context.accept();
            else context.reject(METHODS);
          },
          (error: unknown) => {
            log.error({ err: error }, 'SSH key sign-in failed unexpectedly');
            context.reject();
          },
        );
        return;
      }
      if (context.method !== 'password') {
        context.reject(METHODS);
        return;
      }
      refusedKeyUser = null;
      tries += 1;
      this.verify(context.username, context.password, sourceAddress).then(
        (verified) => {
          if (verified) {
            user = verified;
            context.accept();
          } else {
            context.reject(tries >= MAX_TRIES_PER_CONNECTION ? [] : METHODS);
            if (tries >= MAX_TRIES_PER_CONNECTION) client.end();
          }
        },
        (error: unknown) => {
          log.error({ err: error }, 'SSH sign-in failed unexpectedly');
          context.reject();
        },
      );
    });
    client.on('ready', () => {
      clearTimeout(signInTimer);
      const signedIn = user;
      if (!signedIn) return client.end();
      log.info({ user: signedIn.username }, 'SSH CLI session opened');
      client.on('session', (acceptSession) => this.session(acceptSession(), { user: signedIn, sourceAddress }));
    });
    client.on('error', (error) => log.debug({ err: error }, 'SSH connection error'));
    client.on('close', () => {
      clearTimeout(signInTimer);
      this.connections.delete(client);
      if (user === null && refusedKeyUser !== null) {
        this.options.publicKeySignIn
          .refusedConnection(refusedKeyUser, sourceAddress)
          .catch((error: unknown) => log.error({ err: error }, 'recording a refused SSH key sign-in failed'));
      }
    });
  }

  /**
   * A key offer without a signature: `offered` means "yes, sign with it" (ssh2
   * answers PK_OK on accept()). With a signature: `user` when it verifies;
   * `counted` when the failure was recorded (lockout + audit) already.
   */
  private async publicKey(context: AuthContext, sourceAddress: string | null): Promise<{ user?: CliUser; offered: boolean; counted: boolean }> {
    if (context.method !== 'publickey') return { offered: false, counted: false };
    const { username, key } = context;
    if (!context.signature || !context.blob) {
      return { offered: await this.options.publicKeySignIn.offer({ username, sourceAddress, key }), counted: false };
    }
    const record = await this.options.publicKeySignIn.verify({ username, sourceAddress, key, signedData: context.blob, signature: context.signature, hashAlgo: context.hashAlgo });
    if (!record) return { offered: false, counted: true };
    return { user: cliUserOf(record), offered: false, counted: true };
  }

  private async verify(username: string, password: string, sourceAddress: string | null): Promise<CliUser | null> {
    try {
      const record = await this.options.signIn().verifyPassword({ username, password, sourceAddress, channel: 'ssh' });
      return cliUserOf(record);
    } catch (error) {
      // Wrong password, locked out, disabled: the sign-in service audited and logged it; SSH only says "denied".
      if (isAppError(error)) return null;
      throw error;
    }
  }

  private session(session: ssh2.Session, invocation: CliInvocation): void {
    let pty = false;
    session.on('pty', (accept) => {
      pty = true;
      accept();
    });
    session.on('window-change', (accept) => accept?.());
    session.on('env', (accept) => accept?.());
    session.on('exec', (accept, _reject, info) => this.exec(accept(), info.command, invocation, pty));
    session.on('shell', (accept) => {
      runShell({ channel: accept(), registry: this.options.registry, invocation, pty, banner: this.options.banner(invocation.user) });
    });
    session.on('subsystem', (_accept, reject) => reject());
  }

  /** `ssh -t host 'command'` asks for a pty: its terminal needs \r\n. */
  private exec(channel: ServerChannel, command: string, invocation: CliInvocation, pty: boolean): void {
    const newline = pty ? '\r\n' : '\n';
    this.options.registry.run(command, invocation).then((result) => {
      if (result.output.length > 0) channel.write(`${result.output.join(newline)}${newline}`);
      if (result.errors && result.errors.length > 0) channel.stderr.write(`${result.errors.join(newline)}${newline}`);
      channel.exit(result.exitCode ?? 0);
      channel.end();
    }, (error: unknown) => {
      this.options.logger.error({ err: error }, 'SSH exec failed');
      channel.stderr.write('The command failed because of an internal error.\n');
      channel.exit(1);
      channel.end();
    });
  }
}
