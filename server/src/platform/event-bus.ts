/**
 * The in-process domain event bus. Modules publish facts (a sensor went
 * unreachable, a settings apply failed); other modules (notifications, the
 * browser live-update hub) subscribe. Listeners must not throw: an error in one
 * listener is logged and never reaches the publisher.
 *
 * Each module declares its events by augmenting `DomainEvents`:
 *   declare module '../../platform/event-bus.js' { interface DomainEvents { 'sensor.presence': PresenceChange } }
 */
import type { Logger } from './logger.js';
import type { ComponentChange } from './components.js';

export interface DomainEvents {
  'component.changed': ComponentChange;
}

type Listener<Payload> = (payload: Payload) => void | Promise<void>;

export class EventBus {
  private readonly listeners = new Map<keyof DomainEvents, Set<Listener<never>>>();

  constructor(private readonly logger: Logger) {}

  on<Name extends keyof DomainEvents>(name: Name, listener: Listener<DomainEvents[Name]>): () => void {
    let set = this.listeners.get(name);
    if (!set) {
      set = new Set();
      this.listeners.set(name, set);
    }
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  publish<Name extends keyof DomainEvents>(name: Name, payload: DomainEvents[Name]): void {
    const set = this.listeners.get(name);
    if (!set) return;
    for (const listener of set) {
      try {
        const result = (listener as Listener<DomainEvents[Name]>)(payload);
        if (result instanceof Promise) {
          result.catch((error: unknown) => this.logger.error({ err: error, event: name }, 'event listener failed'));
        }
      } catch (error) {
        this.logger.error({ err: error, event: name }, 'event listener failed');
      }
    }
  }
}
