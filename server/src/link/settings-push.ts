/**
 * Pushes effective settings to linked sensors and records what each one
 * acknowledged (the drift report reads it).
 *
 *   - 'settings.changed' lists sensor ids: each one linked to THIS instance gets
 *     `effectiveFor(id)`; the others get theirs when they link.
 *   - A sensor that links is pushed to when its desired revision differs from
 *     the revision it last acknowledged as applied.
 *
 * Every ack is recorded with recordApplyResult: ok, the sensor's reason, or
 * "no answer from the sensor within N s". Pushes run through one queue with
 * at most `concurrency` in flight (a zone of thousands does not open thousands
 * of database reads and emits at once), and pushes to the same sensor are
 * coalesced: while one is in flight, further requests collapse into one more
 * push afterwards, which reads the then-current settings.
 */
import {
  linkAckSchema,
  settingsAppliedSchema,
} from '../../../sensor-link/src/protocol/link-protocol.js';
import type { ConsoleContext } from '../platform/console-module.js';
import type { LinkSocket } from './link-namespace.js';

export const SETTINGS_PUSH_CONCURRENCY = 64;
/** Longer than the sensor's reload-command limit (30 s), so a slow reload is not reported as silence. */
export const SETTINGS_ACK_TIMEOUT_MS = 45_000;

export interface SettingsPusherOptions {
  context: ConsoleContext;
  live: ReadonlyMap<string, LinkSocket>;
  concurrency?: number;
  ackTimeoutMs?: number;
}

type PushReason = 'changed' | 'linked';

export class SettingsPusher {
  private readonly logger: ConsoleContext['logger'];
  private readonly concurrency: number;
  private readonly ackTimeoutMs: number;
  /** Sensors waiting for a slot, in order; a sensor is in it at most once. */
  private readonly queue: Array<{ sensorId: string; reason: PushReason }> = [];
  private readonly queued = new Set<string>();
  /** Sensors being pushed to now; one that is asked for again goes in `again`. */
  private readonly running = new Set<string>();
  private readonly again = new Map<string, PushReason>();
  private inFlight = 0;
  private stopped = false;
  private readonly idleWaiters: Array<() => void> = [];

  constructor(private readonly options: SettingsPusherOptions) {
    this.logger = options.context.logger.child({ component: 'settings-push' });
    this.concurrency = options.concurrency ?? SETTINGS_PUSH_CONCURRENCY;
    this.ackTimeoutMs = options.ackTimeoutMs ?? SETTINGS_ACK_TIMEOUT_MS;
  }

  /** 'settings.changed': push to the listed sensors that are linked here (a Map lookup each, no database read). */
  changed(sensorIds: readonly string[]): void {
    for (const sensorId of sensorIds) if (this.options.live.has(sensorId)) this.request(sensorId, 'changed');
  }

  /** A sensor linked (after the welcome): push if it is behind. */
  linked(sensorId: string): void {
    this.request(sensorId, 'linked');
  }

  stop(): void {
    this.stopped = true;
    this.queue.splice(0);
    this.queued.clear();
    this.again.clear();
  }

  /** Resolves once nothing is queued or in flight (tests, shutdown). */
  idle(): Promise<void> {
    if (this.inFlight === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private request(sensorId: string, reason: PushReason): void {
    if (this.stopped) return;
    if (this.running.has(sensorId)) {
      // A change outranks a reconnect check: the later push must not skip on "already applied".
      if (this.again.get(sensorId) !== 'changed') this.again.set(sensorId, reason);
      return;
    }
    if (this.queued.has(sensorId)) {
      if (reason === 'changed') {
        const entry = this.queue.find((item) => item.sensorId === sensorId);
        if (entry) entry.reason = 'changed';
      }
      return;
    }
    this.queued.add(sensorId);
    this.queue.push({ sensorId, reason });
    this.drain();
  }

  private drain(): void {
    while (!this.stopped && this.inFlight < this.concurrency && this.queue.length > 0) {
      const next = this.queue.shift()!;
      this.queued.delete(next.sensorId);
      this.running.add(next.sensorId);
      this.inFlight += 1;
      void this.push(next.sensorId, next.reason)
        .catch((error: unknown) => this.logger.error({ err: error, sensorId: next.sensorId }, 'pushing settings to a sensor failed on the console side'))
        .finally(() => {
          this.inFlight -= 1;
          this.running.delete(next.sensorId);
          const again = this.again.get(next.sensorId);
          this.again.delete(next.sensorId);
          if (again) this.request(next.sensorId, again);
          this.drain();
          if (this.inFlight === 0 && this.queue.length === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
        });
    }
  }

  private async push(sensorId: string, reason: PushReason): Promise<void> {
    if (!this.options.live.has(sensorId)) return;
    const settingsService = this.options.context.services.get('settings');
    if (reason === 'linked') {
      const [desired, applied] = await Promise.all([settingsService.desiredRevision(sensorId), settingsService.appliedRevision(sensorId)]);
      // Revision 0: nothing was ever set for this sensor, so there is nothing to apply.
      if (desired === 0 || desired === applied) return;
    }
    const { revision, settings } = await settingsService.effectiveFor(sensorId);
    if (revision === 0) return;
    // The socket may have been replaced or closed while we read the database: use the live one now.
    const socket = this.options.live.get(sensorId);
    if (!socket) return;
    const log = this.logger.child({ sensorId, sensorName: socket.data.sensorName, revision });
    log.debug({ reason }, 'pushing settings');
    let answer: unknown;
    let offDisconnect = () => {};
    try {
      // A link that closes under the push ends the wait at once rather than after the timeout.
      const closed = new Promise<never>((_resolve, reject) => {
        const onDisconnect = () => reject(new Error('link closed'));
        socket.once('disconnect', onDisconnect);
        offDisconnect = () => socket.off('disconnect', onDisconnect);
      });
      answer = await Promise.race([socket.timeout(this.ackTimeoutMs).emitWithAck('settings:apply', { revision, settings }), closed]);
    } catch {
      if (!socket.connected) {
        // The link closed under the push; the sensor gets the settings when it links again.
        log.info('the link closed before the sensor answered a settings push; it is pushed again when the sensor links');
        return;
      }
      const seconds = Math.round(this.ackTimeoutMs / 1000);
      log.warn({ timeoutMs: this.ackTimeoutMs }, 'no answer to a settings push');
      await settingsService.recordApplyResult(sensorId, revision, false, `no answer from the sensor within ${seconds} s`);
      return;
    } finally {
      offDisconnect();
    }
    const parsed = linkAckSchema(settingsAppliedSchema).safeParse(answer);
    if (!parsed.success) {
      log.warn('the sensor answered a settings push with a malformed message');
      await settingsService.recordApplyResult(sensorId, revision, false, 'the sensor answered with a malformed message');
      return;
    }
    if ('error' in parsed.data) {
      log.warn({ code: parsed.data.error.code, reason: parsed.data.error.message.slice(0, 500) }, 'the sensor did not apply its settings');
      await settingsService.recordApplyResult(sensorId, revision, false, parsed.data.error.message);
      return;
    }
    if (parsed.data.data.revision !== revision) {
      await settingsService.recordApplyResult(sensorId, revision, false, `the sensor acknowledged revision ${parsed.data.data.revision} instead of ${revision}`);
      return;
    }
    log.info('the sensor applied its settings');
    await settingsService.recordApplyResult(sensorId, revision, true, null);
  }
}
