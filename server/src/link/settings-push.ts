/**
 * Pushes effective settings to linked sensors and records what each one
 * acknowledged (the drift report reads it).
 *
 *   - 'settings.changed' lists sensor ids: each one linked to THIS instance gets
 *     its effective settings; the others get theirs when they link.
 *   - A sensor that links is pushed to when its desired revision differs from
 *     the revision it last acknowledged as applied.
 *
 * Every ack is recorded with recordApplyResult: ok, the sensor's reason, or
 * "no answer from the sensor within N s". Pushes run through one queue with
 * at most `concurrency` in flight, and pushes to the same sensor are
 * coalesced: while one is in flight, further requests collapse into one more
 * push afterwards, which reads the then-current settings.
 *
 * Zone scale: the pushes started in one turn of the event loop read their
 * settings (and, on link, applied revisions) together through
 * `effectiveForMany`, so a zone of thousands costs a few database reads and one
 * merge rather than thousands; acknowledgements are stored in batches by the
 * settings service. What is left per sensor is the emit and its ack, so the
 * concurrency is high enough for a whole large zone to be in flight at once.
 */
import {
  linkAckSchema,
  settingsAppliedSchema,
} from '../../../sensor-link/src/protocol/link-protocol.js';
import type { LinkSettingsResult, SensorPlacement } from '../modules/settings/settings-service.js';
import type { ConsoleContext } from '../platform/console-module.js';
import type { LinkSocket } from './link-namespace.js';
import { PipelinedBatch } from '../platform/pipelined-batch.js';

/** Pushes in flight at once: a 5,000-sensor zone goes out in one go (each waiting push is a timer and a listener). */
export const SETTINGS_PUSH_CONCURRENCY = 8192;
/** Sensors per `effectiveForMany` / `appliedRevisions` read. */
export const SETTINGS_READ_BATCH = 1000;
/** Longer than the sensor's reload-command limit (30 s), so a slow reload is not reported as silence. */
export const SETTINGS_ACK_TIMEOUT_MS = 45_000;

/** Built once: a zod schema is costly to build per acknowledgement. */
const settingsAckSchema = linkAckSchema(settingsAppliedSchema);

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
  private readonly effective: PipelinedBatch<string, LinkSettingsResult>;
  private readonly applied: PipelinedBatch<string, number | null>;
  /** Placements from 'settings.changed' for sensors whose push has not read its settings yet. */
  private readonly knownPlacements = new Map<string, SensorPlacement>();

  constructor(private readonly options: SettingsPusherOptions) {
    this.logger = options.context.logger.child({ component: 'settings-push' });
    this.concurrency = options.concurrency ?? SETTINGS_PUSH_CONCURRENCY;
    this.ackTimeoutMs = options.ackTimeoutMs ?? SETTINGS_ACK_TIMEOUT_MS;
    const settings = () => options.context.services.get('settings');
    this.effective = new PipelinedBatch(inOrder((ids) => {
      // Each known placement is used once: a later push reads the sensor again.
      const known = new Map(ids.flatMap((id) => {
        const placement = this.knownPlacements.get(id);
        this.knownPlacements.delete(id);
        return placement ? [[id, placement] as const] : [];
      }));
      return settings().effectiveForMany(ids, known);
    }), SETTINGS_READ_BATCH);
    this.applied = new PipelinedBatch(inOrder((ids) => settings().appliedRevisions(ids)), SETTINGS_READ_BATCH);
  }

  /**
   * 'settings.changed': push to the listed sensors that are linked here (a Map
   * lookup each, no database read). `placements`, when the event has them, are
   * used by the next read of those sensors' settings instead of reading them again.
   */
  changed(sensorIds: readonly string[], placements: readonly SensorPlacement[] = []): void {
    const places = new Map(placements.map((placement) => [placement._id, placement]));
    for (const sensorId of sensorIds) {
      const placement = places.get(sensorId);
      // A change without a placement (a move) must read the sensor's new place.
      this.knownPlacements.delete(sensorId);
      if (!this.options.live.has(sensorId)) continue;
      if (placement) this.knownPlacements.set(sensorId, placement);
      this.request(sensorId, 'changed');
    }
  }

  /** A sensor linked (after the welcome): push if it is behind. */
  linked(sensorId: string): void {
    this.knownPlacements.delete(sensorId);
    this.request(sensorId, 'linked');
  }

  stop(): void {
    this.stopped = true;
    this.queue.splice(0);
    this.queued.clear();
    this.again.clear();
    this.knownPlacements.clear();
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
    if (!this.options.live.has(sensorId)) {
      this.knownPlacements.delete(sensorId);
      return;
    }
    const settingsService = this.options.context.services.get('settings');
    const [effective, applied] = await Promise.all([this.effective.load(sensorId), reason === 'linked' ? this.applied.load(sensorId) : null]);
    const { revision } = effective;
    // Revision 0: nothing was ever set for this sensor, so there is nothing to apply.
    if (revision === 0 || (reason === 'linked' && revision === applied)) return;
    if ('error' in effective) throw effective.error;
    const { settings, sensor } = effective;
    // The socket may have been replaced or closed while we read the database: use the live one now.
    const socket = this.options.live.get(sensorId);
    if (!socket) return;
    // Fields on each line rather than a child logger per push: creating a pino child (with redaction) cost
    // about 66 µs, a tenth of the console's CPU in a zone push.
    const about = { sensorId, sensorName: socket.data.sensorName, revision };
    this.logger.debug({ ...about, reason }, 'pushing settings');
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
        this.logger.info(about, 'the link closed before the sensor answered a settings push; it is pushed again when the sensor links');
        return;
      }
      const seconds = Math.round(this.ackTimeoutMs / 1000);
      this.logger.warn({ ...about, timeoutMs: this.ackTimeoutMs }, 'no answer to a settings push');
      await settingsService.recordApplyResult(sensorId, revision, false, `no answer from the sensor within ${seconds} s`, sensor);
      return;
    } finally {
      offDisconnect();
    }
    const parsed = settingsAckSchema.safeParse(answer);
    if (!parsed.success) {
      this.logger.warn(about, 'the sensor answered a settings push with a malformed message');
      await settingsService.recordApplyResult(sensorId, revision, false, 'the sensor answered with a malformed message', sensor);
      return;
    }
    if ('error' in parsed.data) {
      this.logger.warn({ ...about, code: parsed.data.error.code, reason: parsed.data.error.message.slice(0, 500) }, 'the sensor did not apply its settings');
      await settingsService.recordApplyResult(sensorId, revision, false, parsed.data.error.message, sensor);
      return;
    }
    if (parsed.data.data.revision !== revision) {
      await settingsService.recordApplyResult(sensorId, revision, false, `the sensor acknowledged revision ${parsed.data.data.revision} instead of ${revision}`, sensor);
      return;
    }
    // Each sensor's result is stored (the rollout view and drift report read it); the log line is for debugging.
    this.logger.debug(about, 'the sensor applied its settings');
    await settingsService.recordApplyResult(sensorId, revision, true, null, sensor);
  }
}

/** Adapts a read that answers with a Map to PipelinedBatch's answers in key order; a key read nothing for fails. */
function inOrder<T>(readMany: (keys: string[]) => Promise<Map<string, T>>): (keys: string[]) => Promise<T[]> {
  return async (keys) => {
    const values = await readMany(keys);
    return keys.map((key) => {
      const value = values.get(key);
      if (value === undefined) throw new Error(`Nothing was read for ${key}.`);
      return value;
    });
  };
}
