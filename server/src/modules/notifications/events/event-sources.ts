/**
 * Turns facts other parts of the console publish on the event bus into system
 * notifications: presence (after the fleet's grace period), enrolment,
 * revocation, clock drift and failed settings applies (as judged by the
 * settings module), no traffic (from health reports) and console components.
 * Backups and PKI raise theirs through the `notifications` service.
 */
import type { EventBus } from '../../../platform/event-bus.js';
import type { Logger } from '../../../platform/logger.js';
import type { SensorHealthReported, SensorPresenceChanged, SensorRef } from '../../fleet/fleet-events.js';
import { FlapGuard } from './flap-guard.js';
import type { Notifier, RaiseEventInput } from './notifier.js';

export interface HealthThresholds {
  /** Packets/s at zero for this long raises "no traffic". */
  noTrafficMs: number;
}

export const DEFAULT_HEALTH_THRESHOLDS: HealthThresholds = { noTrafficMs: 15 * 60_000 };

function sensorOf(ref: SensorRef): NonNullable<RaiseEventInput['sensor']> {
  return { sensorId: ref.sensorId, sensorName: ref.sensorName, siteId: ref.siteId, zoneId: ref.zoneId };
}

export class EventSources {
  private readonly unsubscribe: Array<() => void> = [];
  private readonly zeroTrafficSince = new Map<string, number>();
  private readonly noTrafficRaised = new Set<string>();

  constructor(
    private readonly bus: EventBus,
    private readonly notifier: Notifier,
    private readonly thresholds: HealthThresholds,
    private readonly logger: Logger,
    readonly flapGuard = new FlapGuard(),
  ) {}

  start(): void {
    this.unsubscribe.push(
      this.bus.on('sensor.presence-changed', (change) => this.onPresence(change)),
      this.bus.on('sensor.enrolled', (enrolled) =>
        this.raise({
          type: 'sensor.enrolled',
          title: `Sensor "${enrolled.sensorName}" ${enrolled.reEnrolled ? 're-enrolled' : 'enrolled'}`,
          occurredAt: enrolled.at,
          sensor: sensorOf(enrolled),
          fields: { reEnrolled: enrolled.reEnrolled },
        }),
      ),
      this.bus.on('sensor.revoked', (revoked) =>
        this.raise({
          type: 'sensor.revoked',
          title: `Sensor "${revoked.sensorName}" revoked${revoked.byUser ? ` by ${revoked.byUser}` : ''}`,
          occurredAt: revoked.at,
          sensor: sensorOf(revoked),
          fields: { byUser: revoked.byUser },
        }),
      ),
      this.bus.on('sensor.health-reported', (health) => this.onHealth(health)),
      // The settings module owns the drift threshold and its hysteresis; one event per transition.
      this.bus.on('sensor.clock-drift', (drift) =>
        this.raise({
          type: drift.state === 'detected' ? 'sensor.clock-drift-detected' : 'sensor.clock-drift-cleared',
          title:
            drift.state === 'detected'
              ? `Sensor "${drift.sensorName}" clock is off by ${drift.clockSkewMs} ms (limit ${drift.thresholdMs} ms)`
              : `Sensor "${drift.sensorName}" clock is back in step`,
          occurredAt: drift.at,
          sensor: sensorOf(drift),
          fields: { driftMs: drift.clockSkewMs },
        }),
      ),
      this.bus.on('settings.apply-result', (result) => {
        if (result.ok) return;
        this.raise({
          type: 'settings.apply-failed',
          title: `Sensor "${result.sensorName}" could not apply settings revision ${result.revision}: ${result.reason ?? 'no reason given'}`,
          occurredAt: result.at,
          sensor: sensorOf(result),
          fields: { revision: result.revision, reason: result.reason },
        });
      }),
      this.bus.on('component.changed', ({ previous, current }) => {
        if (current.state === 'down' && previous?.state !== 'down') {
          this.raise({
            type: 'console.component-down',
            title: `Console component "${current.name}" is down${current.detail ? `: ${current.detail}` : ''}`,
            fields: { component: current.name, detail: current.detail },
          });
        } else if (current.state === 'up' && previous?.state === 'down') {
          this.raise({ type: 'console.component-up', title: `Console component "${current.name}" is up again`, fields: { component: current.name } });
        }
      }),
    );
  }

  stop(): void {
    for (const unsubscribe of this.unsubscribe.splice(0)) unsubscribe();
  }

  private raise(input: RaiseEventInput): void {
    this.notifier.raise(input).catch((error: unknown) => this.logger.error({ err: error, type: input.type }, 'notification not stored'));
  }

  private onPresence(change: SensorPresenceChanged): void {
    // The fleet publishes 'disconnected' only after its grace period; 'unreachable' is not news yet.
    const disconnected = change.current === 'disconnected' && change.previous !== 'disconnected';
    const reconnected = change.current === 'connected' && change.previous === 'disconnected';
    if (!disconnected && !reconnected) return;
    const decision = this.flapGuard.decide(change.sensorId, change.at.getTime());
    const input: RaiseEventInput = disconnected
      ? {
          type: 'sensor.disconnected',
          title: `Sensor "${change.sensorName}" disconnected (${change.reason})`,
          fields: { reason: change.reason },
          occurredAt: change.at,
          sensor: sensorOf(change),
        }
      : { type: 'sensor.reconnected', title: `Sensor "${change.sensorName}" reconnected`, occurredAt: change.at, sensor: sensorOf(change) };
    if (decision === 'summarize') {
      this.raise({ ...input, suppressed: 'flapping' });
      this.raise({
        type: 'sensor.flapping',
        title: `Sensor "${change.sensorName}" is flapping: its connection messages are held down for ${this.flapGuard.windowMinutes} minutes`,
        occurredAt: change.at,
        sensor: sensorOf(change),
        fields: { heldDownMinutes: this.flapGuard.windowMinutes },
      });
      return;
    }
    this.raise(decision === 'suppress' ? { ...input, suppressed: 'flapping' } : input);
  }

  private onHealth(health: SensorHealthReported): void {
    const sensor = sensorOf(health);
    const at = health.at.getTime();
    if (health.packetsPerSecond > 0) {
      this.zeroTrafficSince.delete(health.sensorId);
      this.noTrafficRaised.delete(health.sensorId);
      return;
    }
    const since = this.zeroTrafficSince.get(health.sensorId) ?? at;
    this.zeroTrafficSince.set(health.sensorId, since);
    if (at - since >= this.thresholds.noTrafficMs && !this.noTrafficRaised.has(health.sensorId)) {
      this.noTrafficRaised.add(health.sensorId);
      const minutes = Math.round((at - since) / 60_000);
      this.raise({ type: 'sensor.no-traffic', title: `Sensor "${health.sensorName}" has seen no traffic for ${minutes} minutes`, occurredAt: health.at, sensor, fields: { minutes } });
    }
  }
}
