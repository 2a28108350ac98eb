/** Request schemas for forwarding rules; the inferred types are the request types. */
import { z } from 'zod';
import { ALL_EVENT_TYPES, EVENT_TYPES, SEVERITIES } from '../events/event-catalogue.js';

const idList = z.array(z.string().trim().min(1).max(64)).max(500, 'At most 500 ids');

export const ruleConditionsSchema = z.strictObject({
  /** Event types to forward; 'all' means every system notification, including types added later. */
  eventTypes: z
    .array(z.enum([ALL_EVENT_TYPES, ...EVENT_TYPES], { message: `Use "${ALL_EVENT_TYPES}" or one of: ${EVENT_TYPES.join(', ')}` }))
    .min(1, `Choose at least one event type, or "${ALL_EVENT_TYPES}"`),
  minimumSeverity: z.enum(SEVERITIES).default('info'),
  /** Empty: every site (and console-wide events). Otherwise only events of sensors in these sites. */
  siteIds: idList.default([]),
  zoneIds: idList.default([]),
});

export const ruleActionInputSchema = z.strictObject({
  /** Present when editing an existing action (keeps its stored secrets); omitted for a new one. */
  id: z.string().min(1).max(64).optional(),
  type: z.string().min(1).max(32),
  config: z.record(z.string(), z.unknown()),
});

export const ruleInputSchema = z.strictObject({
  name: z.string().trim().min(1, 'A rule needs a name').max(100, 'At most 100 characters'),
  enabled: z.boolean().default(true),
  conditions: ruleConditionsSchema,
  actions: z.array(ruleActionInputSchema).min(1, 'A rule needs at least one action').max(20, 'At most 20 actions per rule'),
});

export type RuleInput = z.output<typeof ruleInputSchema>;
export type RuleConditions = z.output<typeof ruleConditionsSchema>;

export const ruleIdParams = z.strictObject({ id: z.string().min(1).max(64) });
