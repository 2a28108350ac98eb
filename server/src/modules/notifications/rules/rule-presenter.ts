/** API shapes of rules and deliveries: secrets masked, ISO times, `id` not `_id`. */
import type { ActionRegistry } from '../actions/action-registry.js';
import type { DeliveryDocument } from '../outbox/delivery-store.js';
import { maskedConfig } from './action-secrets.js';
import type { RuleDocument } from './rule-store.js';

export function presentRule(rule: RuleDocument, actions: ActionRegistry) {
  return {
    id: rule._id,
    name: rule.name,
    enabled: rule.enabled,
    conditions: rule.conditions,
    actions: rule.actions.map((action) => ({
      id: action.id,
      type: action.type,
      config: actions.has(action.type) ? maskedConfig(actions.get(action.type), action) : {},
    })),
    revision: rule.revision,
    createdAt: rule.createdAt.toISOString(),
    updatedAt: rule.updatedAt.toISOString(),
  };
}

export function presentDelivery(delivery: DeliveryDocument) {
  return {
    id: delivery._id,
    eventId: delivery.eventId,
    eventType: delivery.event.type,
    eventTitle: delivery.event.title,
    ruleId: delivery.ruleId,
    ruleName: delivery.ruleName,
    actionId: delivery.actionId,
    actionType: delivery.actionType,
    target: delivery.target,
    status: delivery.status,
    attempts: delivery.attempts,
    nextAttemptAt: delivery.status === 'pending' ? delivery.nextAttemptAt.toISOString() : null,
    deadline: delivery.deadline.toISOString(),
    lastAttemptAt: delivery.lastAttemptAt?.toISOString() ?? null,
    lastReason: delivery.lastReason,
    createdAt: delivery.createdAt.toISOString(),
    finishedAt: delivery.finishedAt?.toISOString() ?? null,
  };
}
