/**
 * Tracks consecutive failures per forwarding target (a rule's action). When a
 * target reaches TARGET_FAILING_THRESHOLD failed attempts in a row, ONE
 * "forwarding target failing" event is raised: the switch from healthy to
 * failing is a conditional update, so only one worker on one instance wins it.
 * A success resets the target and re-arms the alarm.
 */
import type { Collection } from 'mongodb';

export const TARGETS_COLLECTION = 'notificationTargets';

/** Failed attempts in a row before a target counts as failing (≈ a few minutes with default backoff). */
export const TARGET_FAILING_THRESHOLD = 5;

export interface TargetDocument {
  _id: string;
  ruleId: string;
  actionId: string;
  consecutiveFailures: number;
  failingSince: Date | null;
  lastReason: string | null;
}

export interface TargetAttempts {
  ruleId: string;
  actionId: string;
  target: string;
  failures: number;
  successes: number;
  lastReason: string | null;
}

export interface FailingTarget {
  ruleId: string;
  actionId: string;
  target: string;
  reason: string;
}

export class TargetHealth {
  /**
   * Targets this process has seen reset and not failing since: a success for
   * them needs no database write, which keeps the healthy path free of writes.
   * (Another instance's failures are then reset by its own next success.)
   */
  private readonly healthy = new Set<string>();

  constructor(private readonly collection: Collection<TargetDocument>) {}

  /** Records a batch's attempts; returns the targets that have just become failing. */
  async record(attempts: TargetAttempts[]): Promise<FailingTarget[]> {
    const succeeded = attempts
      .filter((attempt) => attempt.successes > 0)
      .map((attempt) => `${attempt.ruleId}:${attempt.actionId}`)
      .filter((id) => !this.healthy.has(id));
    if (succeeded.length > 0) {
      await this.collection.updateMany(
        { _id: { $in: succeeded }, consecutiveFailures: { $gt: 0 } },
        { $set: { consecutiveFailures: 0, failingSince: null } },
      );
      for (const id of succeeded) this.healthy.add(id);
    }
    const failing: FailingTarget[] = [];
    for (const attempt of attempts) {
      if (attempt.successes > 0 || attempt.failures === 0) continue;
      const id = `${attempt.ruleId}:${attempt.actionId}`;
      this.healthy.delete(id);
      const reason = attempt.lastReason ?? 'unknown failure';
      const after = await this.collection.findOneAndUpdate(
        { _id: id },
        {
          $inc: { consecutiveFailures: attempt.failures },
          $set: { lastReason: reason },
          $setOnInsert: { ruleId: attempt.ruleId, actionId: attempt.actionId, failingSince: null },
        },
        { upsert: true, returnDocument: 'after' },
      );
      if (!after || after.consecutiveFailures < TARGET_FAILING_THRESHOLD || (after.failingSince ?? null) !== null) continue;
      // FerretDB drops a null written by $setOnInsert, so "not failing" is null or absent.
      const switched = await this.collection.updateOne(
        { _id: id, $or: [{ failingSince: null }, { failingSince: { $exists: false } }] },
        { $set: { failingSince: new Date() } },
      );
      if (switched.modifiedCount === 1) failing.push({ ruleId: attempt.ruleId, actionId: attempt.actionId, target: attempt.target, reason });
    }
    return failing;
  }
}
