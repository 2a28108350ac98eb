/**
 * Failed sign-in protection (MAX_FAILED_LOGINS, as on the sensors): after
 * `maxFailedLogins` failures from one source address within `windowMinutes`,
 * that address may not sign in for `lockMinutes`, even with a correct password.
 *
 * Everything lives in the database so that every console instance (and the web,
 * API and SSH channels) shares the counters:
 *   signInFailures  one document per failure { sourceAddress, at }: a true sliding
 *                   window, and concurrent failures never contend on one document
 *   signInLocks     one document per locked address { _id: address, lockedUntil }
 *   consoleSettings { _id: 'lockout-policy', … }: the policy admins edit
 * A lock consumes the failures that caused it, so after it ends the address
 * starts from zero instead of being re-locked by its next single mistake.
 */
import type { Collection, Db } from 'mongodb';
import { z } from 'zod';
import { isDuplicateKeyError } from '../../../platform/database/database.js';

export const lockoutPolicySchema = z.strictObject({
  maxFailedLogins: z.number().int().min(5, 'must be at least 5').max(100, 'must be at most 100'),
  windowMinutes: z.number().int().min(1, 'must be at least 1 minute').max(1440, 'must be at most 1440 minutes (a day)'),
  lockMinutes: z.number().int().min(1, 'must be at least 1 minute').max(1440, 'must be at most 1440 minutes (a day)'),
});
export type LockoutPolicy = z.output<typeof lockoutPolicySchema>;

export const DEFAULT_LOCKOUT_POLICY: LockoutPolicy = { maxFailedLogins: 5, windowMinutes: 15, lockMinutes: 15 };

export interface StoredLockoutPolicy extends LockoutPolicy {
  updatedAt: Date | null;
  updatedBy: string | null;
}

interface PolicyDocument extends LockoutPolicy {
  _id: string;
  updatedAt: Date;
  updatedBy: string;
}

interface FailureDocument {
  sourceAddress: string;
  at: Date;
}

interface LockDocument {
  _id: string;
  lockedAt: Date;
  lockedUntil: Date;
}

export interface FailureOutcome {
  failuresInWindow: number;
  /** Set when the address is locked after this failure. */
  lockedUntil: Date | null;
  /** True for the one failure that started the lock (audit it once). */
  newlyLocked: boolean;
}

const POLICY_ID = 'lockout-policy';
export const SETTINGS_COLLECTION = 'consoleSettings';
export const FAILURES_COLLECTION = 'signInFailures';
export const LOCKS_COLLECTION = 'signInLocks';
/** Counters are per address; callers without one (a local process) share this key. */
const UNKNOWN_ADDRESS = 'unknown';

export class LockoutGuard {
  private readonly settings: Collection<PolicyDocument>;
  private readonly failures: Collection<FailureDocument>;
  private readonly locks: Collection<LockDocument>;

  constructor(
    db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.settings = db.collection<PolicyDocument>(SETTINGS_COLLECTION);
    this.failures = db.collection<FailureDocument>(FAILURES_COLLECTION);
    this.locks = db.collection<LockDocument>(LOCKS_COLLECTION);
  }

  async policy(): Promise<StoredLockoutPolicy> {
    const stored = await this.settings.findOne({ _id: POLICY_ID });
    if (!stored) return { ...DEFAULT_LOCKOUT_POLICY, updatedAt: null, updatedBy: null };
    // A hand-edited document that breaks the rules falls back to the defaults rather than disabling protection.
    const parsed = lockoutPolicySchema.safeParse({
      maxFailedLogins: stored.maxFailedLogins,
      windowMinutes: stored.windowMinutes,
      lockMinutes: stored.lockMinutes,
    });
    return parsed.success
      ? { ...parsed.data, updatedAt: stored.updatedAt, updatedBy: stored.updatedBy }
      : { ...DEFAULT_LOCKOUT_POLICY, updatedAt: null, updatedBy: null };
  }

  async setPolicy(policy: LockoutPolicy, updatedBy: string): Promise<StoredLockoutPolicy> {
    const updatedAt = this.now();
    await this.settings.updateOne({ _id: POLICY_ID }, { $set: { ...policy, updatedAt, updatedBy } }, { upsert: true });
    return { ...policy, updatedAt, updatedBy };
  }

  /** When the address may sign in again, or null when it is not locked. */
  async lockedUntil(sourceAddress: string | null): Promise<Date | null> {
    const lock = await this.locks.findOne({ _id: sourceAddress ?? UNKNOWN_ADDRESS });
    return lock && lock.lockedUntil.getTime() > this.now().getTime() ? lock.lockedUntil : null;
  }

  async recordFailure(sourceAddress: string | null): Promise<FailureOutcome> {
    const address = sourceAddress ?? UNKNOWN_ADDRESS;
    const now = this.now();
    const policy = await this.policy();
    await this.failures.insertOne({ sourceAddress: address, at: now });
    const windowStart = new Date(now.getTime() - policy.windowMinutes * 60_000);
    const failuresInWindow = await this.failures.countDocuments({ sourceAddress: address, at: { $gt: windowStart } });
    if (failuresInWindow < policy.maxFailedLogins) return { failuresInWindow, lockedUntil: null, newlyLocked: false };

    const lockedUntil = new Date(now.getTime() + policy.lockMinutes * 60_000);
    let newlyLocked: boolean;
    try {
      await this.locks.insertOne({ _id: address, lockedAt: now, lockedUntil });
      newlyLocked = true;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      // A lock document exists: renew it only if it had ended; a concurrent failure may have just locked.
      const renewed = await this.locks.updateOne({ _id: address, lockedUntil: { $lte: now } }, { $set: { lockedAt: now, lockedUntil } });
      newlyLocked = renewed.modifiedCount === 1;
    }
    await this.failures.deleteMany({ sourceAddress: address, at: { $lte: now } });
    return { failuresInWindow, lockedUntil: newlyLocked ? lockedUntil : ((await this.lockedUntil(address)) ?? lockedUntil), newlyLocked };
  }

  /** A successful sign-in forgets the address's earlier failures. */
  async clearFailures(sourceAddress: string | null): Promise<void> {
    await this.failures.deleteMany({ sourceAddress: sourceAddress ?? UNKNOWN_ADDRESS });
  }

  /** Removes failures older than any window and ended locks. */
  async prune(): Promise<void> {
    const now = this.now();
    await this.failures.deleteMany({ at: { $lte: new Date(now.getTime() - 1440 * 60_000) } });
    await this.locks.deleteMany({ lockedUntil: { $lte: now } });
  }
}
