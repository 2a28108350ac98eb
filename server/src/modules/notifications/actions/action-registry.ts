/**
 * The action types the console knows. Registering a type twice is a programming
 * error and fails at start, so two files can never silently claim one type.
 */
import { AppError } from '../../../platform/errors.js';
import type { ActionType } from './action-contract.js';

export class ActionRegistry {
  private readonly types = new Map<string, ActionType>();

  register(actionType: ActionType): this {
    if (this.types.has(actionType.type)) throw new Error(`Action type "${actionType.type}" is registered twice`);
    this.types.set(actionType.type, actionType);
    return this;
  }

  get(type: string): ActionType {
    const actionType = this.types.get(type);
    if (!actionType) {
      throw new AppError('validation_failed', `Unknown action type "${type}": use one of ${this.typeNames().join(', ')}.`);
    }
    return actionType;
  }

  has(type: string): boolean {
    return this.types.has(type);
  }

  typeNames(): string[] {
    return [...this.types.keys()];
  }

  list(): ActionType[] {
    return [...this.types.values()];
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled(this.list().map((actionType) => actionType.close?.()));
  }
}
