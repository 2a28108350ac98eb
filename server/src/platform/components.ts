/**
 * One registry of the console's components (database, scheduler, listeners, …).
 * It feeds `GET /api/v1/health`, the CLI's `system sanity` and the SNMP agent, so
 * the three never disagree. A component reports its own state; the registry keeps
 * when that state began and tells listeners about every change.
 */
import { EventEmitter } from 'node:events';

export type ComponentState = 'starting' | 'up' | 'degraded' | 'down' | 'stopped';

export interface ComponentStatus {
  name: string;
  state: ComponentState;
  /** Since when the component has been in this state. */
  since: Date;
  /** When the component first came up in this process, for uptime. */
  upSince: Date | null;
  /** A sentence for people: why it is down, what it listens on. Never a secret. */
  detail: string | null;
}

export interface ComponentChange {
  previous: ComponentStatus | null;
  current: ComponentStatus;
}

export class ComponentRegistry {
  private readonly components = new Map<string, ComponentStatus>();
  private readonly emitter = new EventEmitter();

  set(name: string, state: ComponentState, detail: string | null = null): void {
    const previous = this.components.get(name) ?? null;
    if (previous && previous.state === state && previous.detail === detail) return;
    const now = new Date();
    const current: ComponentStatus = {
      name,
      state,
      since: previous && previous.state === state ? previous.since : now,
      upSince: state === 'up' ? (previous?.upSince ?? now) : state === 'stopped' ? null : (previous?.upSince ?? null),
      detail,
    };
    this.components.set(name, current);
    this.emitter.emit('change', { previous, current } satisfies ComponentChange);
  }

  get(name: string): ComponentStatus | undefined {
    return this.components.get(name);
  }

  list(): ComponentStatus[] {
    return [...this.components.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** 'up' only when every component is up; 'down' when any is down; otherwise 'degraded'. */
  overall(): 'up' | 'degraded' | 'down' {
    const states = this.list().map((component) => component.state);
    if (states.some((state) => state === 'down' || state === 'stopped')) return 'down';
    if (states.every((state) => state === 'up')) return 'up';
    return 'degraded';
  }

  onChange(listener: (change: ComponentChange) => void): () => void {
    this.emitter.on('change', listener);
    return () => this.emitter.off('change', listener);
  }
}
