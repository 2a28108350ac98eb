/**
 * Noise control for sensors that flap (disconnect, reconnect, disconnect, …).
 * Within any FLAP_WINDOW_MS, a sensor's presence notifications are forwarded at
 * most FLAP_MAX_MESSAGES times; the next one is replaced by ONE "sensor flapping"
 * summary, and later ones in the window are stored but not forwarded (marked
 * suppressed). The window slides: once the sensor has been quiet for a full
 * window, messages flow again.
 *
 * State is per console instance, like presence itself (a sensor's link lives on
 * one instance), so it needs no database round trip per presence change.
 */

/** Presence messages forwarded per sensor per window before the flapping summary. */
export const FLAP_MAX_MESSAGES = 3;
/** The sliding window for FLAP_MAX_MESSAGES: 10 minutes. */
export const FLAP_WINDOW_MS = 10 * 60_000;

export type FlapDecision = 'forward' | 'summarize' | 'suppress';

interface SensorHistory {
  forwardedAt: number[];
  summarizedAt: number | null;
}

export class FlapGuard {
  private readonly sensors = new Map<string, SensorHistory>();

  constructor(
    private readonly maxMessages = FLAP_MAX_MESSAGES,
    private readonly windowMs = FLAP_WINDOW_MS,
  ) {}

  decide(sensorId: string, now: number = Date.now()): FlapDecision {
    const history = this.sensors.get(sensorId) ?? { forwardedAt: [], summarizedAt: null };
    this.sensors.set(sensorId, history);
    history.forwardedAt = history.forwardedAt.filter((at) => now - at < this.windowMs);
    if (history.summarizedAt !== null && now - history.summarizedAt >= this.windowMs && history.forwardedAt.length === 0) {
      history.summarizedAt = null;
    }
    if (history.summarizedAt !== null) {
      // Every suppressed change extends the hold-down: the sensor is still flapping.
      history.summarizedAt = Math.max(history.summarizedAt, now - this.windowMs / 2);
      return 'suppress';
    }
    if (history.forwardedAt.length < this.maxMessages) {
      history.forwardedAt.push(now);
      return 'forward';
    }
    history.summarizedAt = now;
    return 'summarize';
  }

  /** Drops sensors whose history has aged out, so the map does not grow forever. */
  prune(now: number = Date.now()): void {
    for (const [sensorId, history] of this.sensors) {
      const last = Math.max(history.summarizedAt ?? 0, ...history.forwardedAt);
      if (now - last >= this.windowMs) this.sensors.delete(sensorId);
    }
  }

  get windowMinutes(): number {
    return Math.round(this.windowMs / 60_000);
  }
}
