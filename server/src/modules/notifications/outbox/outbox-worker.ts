/**
 * The outbox worker: claims due deliveries in batches, sends each through its
 * action, and records every outcome. It owns retries (backoff until the
 * delivery's deadline, then dead with the last reason); actions never retry.
 *
 * Deliveries this instance has just written are also handed to it in memory
 * (`offer`), so fresh events go out at once without reading the outbox back:
 * on FerretDB a query on the outbox reads every row, which under a backlog costs
 * more than sending. The in-memory queue is only a shortcut to records already
 * in the database; losing it (a crash) loses nothing. The outbox itself is read
 * every `pollIntervalMs` (retries that came due, deliveries left by a stopped
 * instance, partitions taken over). Timing is configurable so tests never wait
 * for real backoff.
 */
import type { Logger } from '../../../platform/logger.js';
import type { ActionEnvironment, OutgoingNotification, SendResult } from '../actions/action-contract.js';
import { errorReason } from '../actions/action-contract.js';
import type { RuleDocument, RuleStore } from '../rules/rule-store.js';
import { retryDelayMs } from './backoff.js';
import type { DeliveryDocument, DeliveryOutcome, DeliveryStore } from './delivery-store.js';
import type { PartitionLeases } from './partition-leases.js';
import type { FailingTarget, TargetAttempts, TargetHealth } from './target-health.js';

export interface OutboxTiming {
  pollIntervalMs: number;
  batchSize: number;
  /** Sends in flight at once within a batch. */
  concurrency: number;
  /** How long a partition lease lasts without renewal; a crashed instance's partitions wait this long. */
  leaseMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** How long a delivery is retried before it is dead. */
  deadlineMs: number;
  /** Upper bound on one send, whatever the action does. */
  sendTimeoutMs: number;
}

/** Deliveries kept in memory for sending; beyond this they wait for the next outbox read. */
const LOCAL_QUEUE_LIMIT = 20_000;
/** While fresh deliveries are queued in memory, the outbox is read this many times less often. */
const BUSY_READ_FACTOR = 10;

export const DEFAULT_OUTBOX_TIMING: OutboxTiming = {
  pollIntervalMs: 1_000,
  batchSize: 200,
  concurrency: 32,
  leaseMs: 30_000,
  backoffBaseMs: 10_000,
  backoffMaxMs: 30 * 60_000,
  deadlineMs: 24 * 60 * 60_000,
  sendTimeoutMs: 20_000,
};

export interface OutboxWorkerOptions {
  deliveries: DeliveryStore;
  leases: PartitionLeases;
  rules: RuleStore;
  targets: TargetHealth;
  environment: ActionEnvironment;
  timing: OutboxTiming;
  owner: string;
  consoleName: string;
  consoleVersion: string;
  logger: Logger;
  onTargetFailing(target: FailingTarget): Promise<void>;
}

function withTimeout(promise: Promise<SendResult>, ms: number): Promise<SendResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<SendResult>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, retryable: true, reason: `no answer within ${ms} ms` }), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export class OutboxWorker {
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private nudged = false;
  private local: DeliveryDocument[] = [];
  private readonly localIds = new Set<string>();
  private lastReadAt = 0;
  /**
   * First attempts this worker read from the outbox lately. The notifier hands a
   * delivery over only after writing it, so an outbox read can see it first;
   * the late hand-over must then be ignored or it would be sent twice.
   */
  private readonly readFirst = new Set<string>();

  constructor(private readonly options: OutboxWorkerOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Finishes the batch in hand (its outcomes are recorded), then stops. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.loop = null;
    this.local = [];
    this.localIds.clear();
    this.readFirst.clear();
    await this.options.leases.release();
  }

  /** Deliveries just written to the outbox by this instance: send them without reading them back. */
  offer(deliveries: DeliveryDocument[]): void {
    if (!this.running) return;
    for (const delivery of deliveries) {
      if (this.local.length >= LOCAL_QUEUE_LIMIT) break;
      if (this.localIds.has(delivery._id) || this.readFirst.has(delivery._id)) continue;
      this.local.push(delivery);
      this.localIds.add(delivery._id);
    }
    this.nudge();
  }

  nudge(): void {
    this.nudged = true;
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      let handled = 0;
      let failed = false;
      try {
        handled = await this.processBatch();
      } catch (error) {
        failed = true;
        this.options.logger.error({ err: error }, 'outbox batch failed; retrying after the poll interval');
      }
      if (!this.running) break;
      if (!failed && (handled >= this.options.timing.batchSize || this.local.length > 0)) continue;
      if (this.nudged && !failed) {
        this.nudged = false;
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.timing.pollIntervalMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
      this.nudged = false;
    }
  }

  /** The next batch: due outbox records when a read is due (or nothing is in memory), topped up from memory. */
  private async nextBatch(): Promise<DeliveryDocument[]> {
    const { timing } = this.options;
    const partitions = new Set(await this.options.leases.partitions());
    let batch: DeliveryDocument[] = [];
    const readEvery = this.local.length === 0 ? timing.pollIntervalMs : timing.pollIntervalMs * BUSY_READ_FACTOR;
    if (this.local.length === 0 || Date.now() - this.lastReadAt >= readEvery) {
      this.lastReadAt = Date.now();
      const due = await this.options.deliveries.due([...partitions], timing.batchSize);
      batch = due.filter((delivery) => !this.localIds.has(delivery._id));
      for (const delivery of batch) if (delivery.attempts === 0) this.rememberRead(delivery._id);
    }
    for (const delivery of this.local.splice(0, Math.max(0, timing.batchSize - batch.length))) {
      this.localIds.delete(delivery._id);
      // A partition handed to another instance meanwhile is that instance's to send.
      if (partitions.has(delivery.partition)) batch.push(delivery);
    }
    return batch;
  }

  private rememberRead(id: string): void {
    this.readFirst.add(id);
    // Sets iterate in insertion order: drop the oldest once the hand-over window is long past.
    if (this.readFirst.size > LOCAL_QUEUE_LIMIT) {
      const oldest = this.readFirst.values().next().value;
      if (oldest !== undefined) this.readFirst.delete(oldest);
    }
  }

  /** One read → send → record cycle over this worker's partitions; returns how many deliveries it handled. */
  async processBatch(): Promise<number> {
    const { deliveries, timing } = this.options;
    const claimed = await this.nextBatch();
    if (claimed.length === 0) return 0;
    const ruleIds = [...new Set(claimed.map((delivery) => delivery.ruleId))];
    const rules = new Map((await this.options.rules.findByIds(ruleIds)).map((rule) => [rule._id, rule]));

    const results: Array<{ delivery: DeliveryDocument; outcome: DeliveryOutcome; result: SendResult }> = [];
    let next = 0;
    const lane = async () => {
      while (next < claimed.length) {
        const delivery = claimed[next++] as DeliveryDocument;
        const result = await this.send(delivery, rules.get(delivery.ruleId));
        results.push({ delivery, outcome: this.outcomeOf(delivery, result), result });
      }
    };
    await Promise.all(Array.from({ length: Math.min(timing.concurrency, claimed.length) }, lane));
    await deliveries.complete(results);
    await this.recordTargets(results);
    return claimed.length;
  }

  private async send(delivery: DeliveryDocument, rule: RuleDocument | undefined): Promise<SendResult> {
    if (!rule) return { ok: false, retryable: false, reason: 'The rule was deleted before this delivery went out.' };
    if (!rule.enabled) return { ok: false, retryable: false, reason: 'The rule was disabled before this delivery went out.' };
    try {
      const resolved = this.options.rules.resolveAction(rule, delivery.actionId);
      if (!resolved) return { ok: false, retryable: false, reason: 'The action was removed from the rule before this delivery went out.' };
      const notification: OutgoingNotification = {
        event: delivery.event,
        ruleName: rule.name,
        consoleName: this.options.consoleName,
        consoleVersion: this.options.consoleVersion,
      };
      const sending = resolved.actionType.send(notification, resolved.config, this.options.environment);
      return await withTimeout(sending, this.options.timing.sendTimeoutMs);
    } catch (error) {
      // An action must answer rather than throw; if one throws anyway, retrying is the safe reading.
      return { ok: false, retryable: true, reason: errorReason(error) };
    }
  }

  private outcomeOf(delivery: DeliveryDocument, result: SendResult): DeliveryOutcome {
    if (result.ok) return { kind: 'delivered' };
    if (!result.retryable) return { kind: 'dead', reason: result.reason };
    const { timing } = this.options;
    const nextAttemptAt = new Date(Date.now() + retryDelayMs({ baseMs: timing.backoffBaseMs, maxMs: timing.backoffMaxMs }, delivery.attempts + 1));
    if (nextAttemptAt.getTime() > delivery.deadline.getTime()) {
      return { kind: 'dead', reason: `Gave up after ${delivery.attempts + 1} attempts (deadline reached): ${result.reason}` };
    }
    return { kind: 'retry', reason: result.reason, nextAttemptAt };
  }

  private async recordTargets(results: Array<{ delivery: DeliveryDocument; result: SendResult }>): Promise<void> {
    const byTarget = new Map<string, TargetAttempts>();
    for (const { delivery, result } of results) {
      const key = `${delivery.ruleId}:${delivery.actionId}`;
      const attempts = byTarget.get(key) ?? { ruleId: delivery.ruleId, actionId: delivery.actionId, target: delivery.target, failures: 0, successes: 0, lastReason: null };
      if (result.ok) attempts.successes += 1;
      else {
        attempts.failures += 1;
        attempts.lastReason = result.reason;
      }
      byTarget.set(key, attempts);
    }
    const failing = await this.options.targets.record([...byTarget.values()]);
    for (const target of failing) {
      this.options.logger.warn({ ruleId: target.ruleId, actionId: target.actionId, target: target.target, reason: target.reason }, 'forwarding target failing');
      await this.options.onTargetFailing(target);
    }
  }
}
