/**
 * Public key sign-in to the SSH CLI, with the same lockout and audit records
 * as password sign-in (users/auth/sign-in-service.ts): the lockout counters
 * live in the database (LockoutGuard), so this shares them with the web
 * console, the API and SSH passwords.
 *
 * SSH public key authentication has two steps. The client first offers a key
 * without a signature ("would you accept this one?"); `offer()` says yes only
 * for a registered key of an enabled user, and is neither counted nor audited
 * (a client routinely offers every key it holds). Then the client signs the
 * session with that key; `verify()` checks the signature with ssh2's verifier
 * and audits the outcome. A connection that offered only unregistered keys and
 * never signed in counts as one failed sign-in when it closes
 * (`refusedConnection()`), so guessing keys runs into the lockout too.
 *
 * Every role may use the CLI (each command checks its own permission), so any
 * enabled user may sign in with a key they registered.
 */
import type { Logger } from '../../platform/logger.js';
import type { AuditActor } from '../../modules/audit/audit-chain.js';
import type { AuditTrail } from '../../modules/audit/audit-trail.js';
import type { UserRecord } from '../../modules/users/accounts/user-model.js';
import { userTarget, type UsersService } from '../../modules/users/accounts/users-service.js';
import type { LockoutGuard } from '../../modules/users/auth/lockout-guard.js';
import { recordSignInFailure } from '../../modules/users/auth/sign-in-failure.js';
import type { SshKeyService } from './ssh-key-service.js';
import { signatureVerifies, sshFingerprint } from './ssh-public-key.js';

export interface OfferedKey {
  username: string;
  sourceAddress: string | null;
  /** ssh2's `ctx.key`: the key's algorithm ('ssh-ed25519', 'ssh-rsa', …) and blob. */
  key: { algo: string; data: Buffer };
}

export interface SignedKey extends OfferedKey {
  /** ssh2's `ctx.blob`, `ctx.signature`, `ctx.hashAlgo`. */
  signedData: Buffer;
  signature: Buffer;
  hashAlgo: string | undefined;
}

export interface PublicKeySignInDependencies {
  keys: SshKeyService;
  users: () => UsersService;
  lockout: LockoutGuard;
  audit: () => AuditTrail;
  logger: Logger;
}

const VIA = 'via ssh public key';

export class PublicKeySignIn {
  constructor(private readonly deps: PublicKeySignInDependencies) {}

  /** Whether the offered key may be used to sign in (the client then signs with it). */
  async offer(offered: OfferedKey): Promise<boolean> {
    if (await this.deps.lockout.lockedUntil(offered.sourceAddress)) return false;
    const user = await this.deps.users().findByUsername(offered.username);
    if (!user || user.disabled) return false;
    return (await this.deps.keys.registeredKey(user, offered.key.algo, offered.key.data)) !== null;
  }

  /** The signed-in user, or null (audited, and counted towards the lockout). */
  async verify(signed: SignedKey): Promise<UserRecord | null> {
    const attempted = signed.username.slice(0, 64);
    const anonymous: AuditActor = { kind: 'user', id: null, name: attempted };
    const fingerprint = sshFingerprint(signed.key.data);
    const audit = (actor: AuditActor, user: UserRecord | null, outcome: 'success' | 'failure', reason: string) =>
      this.deps.audit().record({
        actor,
        sourceAddress: signed.sourceAddress,
        action: 'auth.sign-in',
        target: user ? userTarget(user) : { kind: 'user', id: null, name: attempted },
        outcome,
        reason: `${reason} (${VIA} ${fingerprint})`,
      });

    if (await this.deps.lockout.lockedUntil(signed.sourceAddress)) {
      await audit(anonymous, null, 'failure', 'source address locked out');
      return null;
    }
    const user = await this.deps.users().findByUsername(signed.username);
    const actor: AuditActor = user ? { kind: 'user', id: String(user._id), name: user.username } : anonymous;
    const key = user ? await this.deps.keys.registeredKey(user, signed.key.algo, signed.key.data) : null;
    if (!user || !key || !signatureVerifies({ type: key.type, blob: signed.key.data }, signed.signedData, signed.signature, signed.hashAlgo)) {
      await recordSignInFailure(this.deps, signed.sourceAddress, actor);
      await audit(actor, user, 'failure', !user ? 'unknown user name' : !key ? 'key not registered' : 'signature not valid');
      return null;
    }
    if (user.disabled) {
      await audit(actor, user, 'failure', 'account disabled');
      return null;
    }
    await this.deps.lockout.clearFailures(signed.sourceAddress);
    await audit(actor, user, 'success', 'signed in');
    return user;
  }

  /** A connection offered keys, none was registered, and it closed without signing in. */
  async refusedConnection(username: string, sourceAddress: string | null): Promise<void> {
    const attempted = username.slice(0, 64);
    const user = await this.deps.users().findByUsername(username);
    const actor: AuditActor = user ? { kind: 'user', id: String(user._id), name: user.username } : { kind: 'user', id: null, name: attempted };
    await recordSignInFailure(this.deps, sourceAddress, actor);
    await this.deps.audit().record({
      actor,
      sourceAddress,
      action: 'auth.sign-in',
      target: user ? userTarget(user) : { kind: 'user', id: null, name: attempted },
      outcome: 'failure',
      reason: `no registered key offered (${VIA})`,
    });
  }
}
