/**
 * Password checks for every channel (web sign-in, API, the SSH CLI), with the
 * same lockout and the same audit records whichever channel asks:
 *
 *   const user = await signIn.verifyPassword({ username, password, sourceAddress, channel: 'ssh' });
 *
 * It throws AppError `locked_out` (429) while the address is locked, even for a
 * correct password; `unauthenticated` (401) with one sentence for a wrong
 * password and an unknown user alike (an unknown user is checked against a dummy
 * hash so the timing matches too); `forbidden` (403) for a disabled account,
 * and only once the password was right.
 *
 * Provided to other modules as the `signIn` service.
 */
import type { Logger } from '../../../platform/logger.js';
import { AppError } from '../../../platform/errors.js';
import type { AuditActor } from '../../audit/audit-chain.js';
import type { AuditTrail } from '../../audit/audit-trail.js';
import { FIRST_ADMIN_USERNAME, removeInitialPasswordFile } from '../accounts/first-admin.js';
import type { PasswordHasher } from '../accounts/password-hasher.js';
import type { UserRecord } from '../accounts/user-model.js';
import { assertPasswordAcceptable, userTarget, type UsersService } from '../accounts/users-service.js';
import type { LockoutGuard } from './lockout-guard.js';
import { recordSignInFailure } from './sign-in-failure.js';

export type SignInChannel = 'web' | 'api' | 'ssh';

export interface PasswordAttempt {
  username: string;
  password: string;
  sourceAddress: string | null;
  channel: SignInChannel;
}

export interface PasswordChange {
  userId: string;
  currentPassword: string;
  newPassword: string;
  sourceAddress: string | null;
  /** The session that asked stays signed in; every other session of the user ends. */
  keepSessionId?: string;
}

export interface SignInServiceDependencies {
  users: UsersService;
  hasher: PasswordHasher;
  lockout: LockoutGuard;
  audit: () => AuditTrail;
  endSessionsOf: (userId: string, exceptSessionId?: string) => Promise<number>;
  logger: Logger;
  dataDir: string;
}

export const WRONG_CREDENTIALS = 'The user name or password is not correct.';

export class SignInService {
  constructor(private readonly deps: SignInServiceDependencies) {}

  async verifyPassword(attempt: PasswordAttempt): Promise<UserRecord> {
    const attempted = attempt.username.slice(0, 64);
    const via = `via ${attempt.channel}`;
    const anonymous: AuditActor = { kind: 'user', id: null, name: attempted };
    await this.refuseIfLocked(attempt.sourceAddress, anonymous, 'auth.sign-in', via);

    const user = await this.deps.users.findByUsername(attempt.username);
    const matches = await this.deps.hasher.verify(user?.passwordHash ?? null, attempt.password);
    const actor: AuditActor = user ? { kind: 'user', id: String(user._id), name: user.username } : anonymous;
    const target = user ? userTarget(user) : { kind: 'user', id: null, name: attempted };
    if (!user || !matches) {
      await recordSignInFailure(this.deps, attempt.sourceAddress, actor);
      await this.deps.audit().record({
        actor,
        sourceAddress: attempt.sourceAddress,
        action: 'auth.sign-in',
        target,
        outcome: 'failure',
        reason: `${user ? 'wrong password' : 'unknown user name'} (${via})`,
      });
      throw new AppError('unauthenticated', WRONG_CREDENTIALS);
    }
    if (user.disabled) {
      await this.deps.audit().record({ actor, sourceAddress: attempt.sourceAddress, action: 'auth.sign-in', target, outcome: 'failure', reason: `account disabled (${via})` });
      throw new AppError('forbidden', 'This account is disabled; ask an admin to enable it.');
    }
    await this.deps.lockout.clearFailures(attempt.sourceAddress);
    if (this.deps.hasher.needsRehash(user.passwordHash)) {
      await this.deps.users.upgradeHash(String(user._id), await this.deps.hasher.hash(attempt.password));
    }
    await this.deps.audit().record({ actor, sourceAddress: attempt.sourceAddress, action: 'auth.sign-in', target, outcome: 'success', reason: via });
    return user;
  }

  async changePassword(change: PasswordChange): Promise<UserRecord> {
    const user = await this.deps.users.get(change.userId);
    const actor: AuditActor = { kind: 'user', id: String(user._id), name: user.username };
    const record = { actor, sourceAddress: change.sourceAddress, action: 'user.password-changed', target: userTarget(user) } as const;
    await this.refuseIfLocked(change.sourceAddress, actor, 'user.password-changed', 'change of own password');

    // A stolen session must not be a free password-guessing oracle: wrong current passwords count as failures.
    if (!(await this.deps.hasher.verify(user.passwordHash, change.currentPassword))) {
      await recordSignInFailure(this.deps, change.sourceAddress, actor);
      await this.deps.audit().record({ ...record, outcome: 'failure', reason: 'current password not correct' });
      const message = 'The current password is not correct.';
      throw new AppError('validation_failed', message, { problems: [{ path: 'currentPassword', message }] });
    }
    if (change.newPassword === change.currentPassword) {
      const message = 'The new password must differ from the current one.';
      throw new AppError('validation_failed', message, { problems: [{ path: 'newPassword', message }] });
    }
    assertPasswordAcceptable(change.newPassword, user.username, 'newPassword');

    const updated = await this.deps.users.setPassword(String(user._id), await this.deps.hasher.hash(change.newPassword), { mustChangePassword: false });
    await this.deps.endSessionsOf(String(user._id), change.keepSessionId);
    await this.deps.audit().record({ ...record, outcome: 'success' });
    if (user.usernameKey === FIRST_ADMIN_USERNAME) await removeInitialPasswordFile(this.deps.dataDir, this.deps.logger);
    return updated;
  }

  private async refuseIfLocked(sourceAddress: string | null, actor: AuditActor, action: string, what: string): Promise<void> {
    const lockedUntil = await this.deps.lockout.lockedUntil(sourceAddress);
    if (!lockedUntil) return;
    await this.deps.audit().record({ actor, sourceAddress, action, target: null, outcome: 'failure', reason: `source address locked out (${what})` });
    throw lockedOutError(sourceAddress, lockedUntil);
  }
}

export function lockedOutError(sourceAddress: string | null, lockedUntil: Date): AppError {
  const seconds = Math.max(1, Math.ceil((lockedUntil.getTime() - Date.now()) / 1000));
  const minutes = Math.ceil(seconds / 60);
  const at = lockedUntil.toISOString().slice(11, 16);
  return new AppError(
    'locked_out',
    `Too many failed sign-ins from ${sourceAddress ?? 'this address'}. Try again after ${at} UTC (in ${minutes} minute${minutes === 1 ? '' : 's'}).`,
    { lockedUntil: lockedUntil.toISOString(), retryAfterSeconds: seconds },
  );
}
