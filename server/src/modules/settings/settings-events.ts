/**
 * Facts the settings module publishes on the event bus, and the service it
 * provides. The link subscribes to 'settings.changed' to push the new effective
 * settings to the listed sensors that are online; notifications forward
 * 'sensor.clock-drift' and failed 'settings.apply-result's.
 */
import type { SensorRef } from '../fleet/fleet-events.js';
import type { ScopeKind } from './settings-merge.js';
import type { SensorPlacement, SettingsService } from './settings-service.js';

export interface SettingsChanged {
  /** The revision of the save (or placement change) that caused this. */
  revision: number;
  scope: { kind: ScopeKind; id: string | null };
  /** Field paths the save changed; empty for a placement change. */
  changedFields: string[];
  /** Every sensor whose desired revision went up: push `effectiveFor(id)` to each one online. */
  sensorIds: string[];
  /**
   * Where those sensors were when the change was computed (a save reads them
   * anyway), so the push need not read them again; absent when the change is
   * a sensor's move (the push reads its new place).
   */
  placements?: SensorPlacement[];
  cause: 'saved' | 'sensor-moved';
  at: Date;
}

export interface SettingsApplyResultRecorded extends SensorRef {
  revision: number;
  ok: boolean;
  reason: string | null;
  at: Date;
}

export interface SensorClockDrift extends SensorRef {
  /** One event per transition: 'detected' when |skew| passes the threshold, 'cleared' when it is back under the clear level. */
  state: 'detected' | 'cleared';
  clockSkewMs: number;
  thresholdMs: number;
  at: Date;
}

declare module '../../platform/event-bus.js' {
  interface DomainEvents {
    'settings.changed': SettingsChanged;
    'settings.apply-result': SettingsApplyResultRecorded;
    'sensor.clock-drift': SensorClockDrift;
  }
}

declare module '../../platform/console-module.js' {
  interface ConsoleServices {
    settings: SettingsService;
  }
}
