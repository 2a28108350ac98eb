/**
 * The outbox worker: takes due outbox pages (see delivery-store.ts) a batch at
 * a time, sends their deliveries through their actions — all the messages for
 * one target together when the action can (`sendMany`: syslog writes them on
 * its one open connection) — and records every outcome with a few writes per
 * batch. It owns retries (backoff until the delivery's deadline, then dead with
 * the last reason); actions never retry.
 *
 * Pages this instance has just written are also handed to it in memory
 * (`offer`), so fresh events go out at once without reading the outbox back:
 * on FerretDB a query on the outbox reads every row, which under a backlog costs
 * more than sending. The in-memory queue is only a shortcut to pages already in
 * the database; losing it (a crash) loses nothing. The outbox itself is read
 * every `pollIntervalMs` (retries that came due, pages left by a stopped
 * instance, partitions taken over). Timing is configurable so tests never wait
 * for real backoff.
 */
import type { Logger } from '../../../platform/logger.js';
import type { ActionEnvironment, OutgoingNotification, SendResult } from '../actions/action-contract.js';
import { errorReason } from '../actions/action-contract.js';
import type { RuleDocument, RuleStore } from '../rules/rule-store.js';
import { retryDelayMs } from './backoff.js';
import type { DeliveryDocument, DeliveryOutcome, DeliveryPage, DeliveryRecord, DeliveryStore } from './delivery-store.js';
import type { PartitionLeases } from './partition-leases.js';
import type { FailingTarget, TargetAttempts, TargetHealth } from './target-health.js';

export interface OutboxTiming {
  pollIntervalMs: number;
  /** Deliveries taken per cycle (whole pages: at least one page). */
  batchSize: number;
  /** Sends in flight at once per target, for actions that send one message at a time. */
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

/** Pages kept in memory for sending; beyond this they wait for the next outbox read. */
const LOCAL_QUEUE_LIMIT = 200;
/** Outbox pages read per outbox read. */
const PAGES_PER_READ = 50;
/** Page ids remembered as read from the outbox (see `readFirst`). */
const READ_FIRST_LIMIT = 5_000;
/** While fresh deliveries are queued in memory, the outbox is read this many times less often. */
const BUSY_READ_FACTOR = 10;

export const DEFAULT_OUTBOX_TIMING: OutboxTiming = {
  pollIntervalMs: 1_000,
  batchSize: 2_000,
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

function withTimeout(promise: Promise<SendResult[]>, count: number, ms: number): Promise<SendResult[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<SendResult[]>((resolve) => {
    timer = setTimeout(() => resolve(Array.from({ length: count }, () => ({ ok: false, retryable: true, reason: `no answer within ${ms} ms` }))), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Messages handed to one `sendMany` call. */
const SEND_MANY_CHUNK = 500;

interface TargetGroup {
  rule: RuleDocument | undefined;
  actionId: string;
  deliveries: DeliveryDocument[];
}

export class OutboxWorker {
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private nudged = false;
  private local: DeliveryPage[] = [];
  private readonly localIds = new Set<string>();
  private lastReadAt = 0;
  /**
   * Pages this worker read from the outbox lately. The notifier hands a page over
   * only after writing it, so an outbox read can see it first; the late hand-over
   * must then be ignored or its deliveries would be sent twice.
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

  /** Pages just written to the outbox by this instance: send them without reading them back. */
  offer(pages: DeliveryPage[]): void {
    if (!this.running) return;
    for (const page of pages) this.enqueue(page);
    this.nudge();
  }

  nudge(): void {
    this.nudged = true;
    this.wake?.();
  }

  private enqueue(page: DeliveryPage): void {
    if (this.local.length >= LOCAL_QUEUE_LIMIT || this.localIds.has(page._id) || this.readFirst.has(page._id)) return;
    this.local.push(page);
    this.localIds.add(page._id);
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
      if (!failed && (handled > 0 || this.local.length > 0)) continue;
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

  /** The next pages: due outbox pages when a read is due (or nothing is in memory), then from memory up to the batch size. */
  private async nextBatch(): Promise<DeliveryPage[]> {
    const { timing } = this.options;
    const partitions = new Set(await this.options.leases.partitions());
    const readEvery = this.local.length === 0 ? timing.pollIntervalMs : timing.pollIntervalMs * BUSY_READ_FACTOR;
    if (this.local.length === 0 || Date.now() - this.lastReadAt >= readEvery) {
      this.lastReadAt = Date.now();
      const due = await this.options.deliveries.due([...partitions], PAGES_PER_READ, (pageId) => this.localIds.has(pageId));
      for (const page of due) {
        if (this.localIds.has(page._id)) continue;
        this.rememberRead(page._id);
        this.local.push(page);
        this.localIds.add(page._id);
      }
    }
    const batch: DeliveryPage[] = [];
    let deliveries = 0;
    while (this.local.length > 0 && (batch.length === 0 || deliveries + (this.local[0]?.items.length ?? 0) <= timing.batchSize)) {
      const page = this.local.shift() as DeliveryPage;
      this.localIds.delete(page._id);
      // A partition handed to another instance meanwhile is that instance's to send.
      if (!partitions.has(page.partition) || !Array.isArray(page.items)) continue;
      batch.push(page);
      deliveries += page.items.length;
    }
    return batch;
  }

  private rememberRead(id: string): void {
    this.readFirst.add(id);
    // Sets iterate in insertion order: drop the oldest once the hand-over window is long past.
    if (this.readFirst.size > READ_FIRST_LIMIT) {
      const oldest = this.readFirst.values().next().value;
      if (oldest !== undefined) this.readFirst.delete(oldest);
    }
  }

  /** One take → send → record cycle over this worker's partitions; returns how many deliveries it handled. */
  async processBatch(): Promise<number> {
    const pages = await this.nextBatch();
    if (pages.length === 0) return 0;
    const now = Date.now();
    const due: DeliveryDocument[] = [];
    const waiting: DeliveryRecord[] = [];
    for (const page of pages) {
      for (const item of page.items) {
        // A retry page holds deliveries due at different times; those not due yet keep waiting.
        if (item.nextAttemptAt.getTime() <= now) due.push({ ...item, status: 'pending' });
        else waiting.push(item);
      }
    }
    const ruleIds = [...new Set(due.map((delivery) => delivery.ruleId))];
    const rules = new Map((ruleIds.length > 0 ? await this.options.rules.findByIds(ruleIds) : []).map((rule) => [rule._id, rule]));
    const groups = new Map<string, TargetGroup>();
    for (const delivery of due) {
      const key = `${delivery.ruleId}:${delivery.actionId}`;
      const group = groups.get(key) ?? { rule: rules.get(delivery.ruleId), actionId: delivery.actionId, deliveries: [] };
      group.deliveries.push(delivery);
      groups.set(key, group);
    }
    const sent = (await Promise.all([...groups.values()].map((group) => this.sendGroup(group)))).flat();
    const results = sent.map(({ delivery, result }) => ({ delivery, outcome: this.outcomeOf(delivery, result), result }));
    await this.options.deliveries.complete(pages, results, waiting);
    await this.recordTargets(results);
    return due.length;
  }

  /** Sends one target's deliveries: in chunks through `sendMany` when the action has it, else one by one with bounded concurrency. */
  private async sendGroup(group: TargetGroup): Promise<Array<{ delivery: DeliveryDocument; result: SendResult }>> {
    const { deliveries } = group;
    const everyone = (result: SendResult) => deliveries.map((delivery) => ({ delivery, result }));
    const { rule } = group;
    if (!rule) return everyone({ ok: false, retryable: false, reason: 'The rule was deleted before this delivery went out.' });
    if (!rule.enabled) return everyone({ ok: false, retryable: false, reason: 'The rule was disabled before this delivery went out.' });
    let resolved: ReturnType<RuleStore['resolveAction']>;
    try {
      resolved = this.options.rules.resolveAction(rule, group.actionId);
    } catch (error) {
      return everyone({ ok: false, retryable: true, reason: errorReason(error) });
    }
    if (!resolved) return everyone({ ok: false, retryable: false, reason: 'The action was removed from the rule before this delivery went out.' });
    const { actionType, config } = resolved;
    const { environment, timing } = this.options;
    const notificationOf = (delivery: DeliveryDocument): OutgoingNotification => ({
      event: delivery.event,
      ruleName: rule.name,
      consoleName: this.options.consoleName,
      consoleVersion: this.options.consoleVersion,
    });
    const attempt = async (chunk: DeliveryDocument[]): Promise<SendResult[]> => {
      try {
        const sending = actionType.sendMany
          ? actionType.sendMany(chunk.map(notificationOf), config, environment)
          : actionType.send(notificationOf(chunk[0] as DeliveryDocument), config, environment).then((result) => [result]);
        return await withTimeout(sending, chunk.length, timing.sendTimeoutMs);
      } catch (error) {
        // An action must answer rather than throw; if one throws anyway, retrying is the safe reading.
        return chunk.map(() => ({ ok: false, retryable: true, reason: errorReason(error) }));
      }
    };
    const chunkSize = actionType.sendMany ? SEND_MANY_CHUNK : 1;
    const chunks: DeliveryDocument[][] = [];
    for (let start = 0; start < deliveries.length; start += chunkSize) chunks.push(deliveries.slice(start, start + chunkSize));
    const out: Array<{ delivery: DeliveryDocument; result: SendResult }> = [];
    let next = 0;
    // Chunks of one stream target go out in order, one after the other; one-by-one actions get parallel lanes.
    const lanes = actionType.sendMany ? 1 : Math.min(timing.concurrency, chunks.length);
    const lane = async () => {
      while (next < chunks.length) {
        const chunk = chunks[next++] as DeliveryDocument[];
        const results = await attempt(chunk);
        chunk.forEach((delivery, index) => out.push({ delivery, result: results[index] ?? { ok: false, retryable: true, reason: 'the action gave no result' } }));
      }
    };
    await Promise.all(Array.from({ length: lanes }, lane));
    return out;
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
