/**
 * Forwarding rules (`notificationRules`): CRUD with every action's config
 * validated by its own action type, secrets sealed, and a short-lived cache of
 * enabled rules for matching (rules change rarely; events can come in bursts).
 *
 * Several console instances: a change made on another instance is seen here
 * within RULE_CACHE_TTL_MS; a change made here is seen at once.
 */
import { randomUUID } from 'node:crypto';
import type { Collection } from 'mongodb';
import { AppError, type FieldProblem } from '../../../platform/errors.js';
import type { SecretBox } from '../../../platform/secrets/secret-box.js';
import { fieldProblems, summarizeProblems } from '../../../platform/validation.js';
import type { ActionRegistry } from '../actions/action-registry.js';
import type { ActionType } from '../actions/action-contract.js';
import { ALL_EVENT_TYPES, severityRank, type Severity } from '../events/event-catalogue.js';
import type { NotificationEvent } from '../events/event-store.js';
import { openSecrets, restoreMaskedSecrets, sealSecrets, type StoredAction } from './action-secrets.js';
import type { RuleConditions, RuleInput } from './rule-schema.js';

export const RULES_COLLECTION = 'notificationRules';
const RULE_CACHE_TTL_MS = 5_000;

export interface RuleDocument {
  _id: string;
  name: string;
  /** Lower-cased name: two rules cannot share a name regardless of case. */
  nameKey: string;
  enabled: boolean;
  conditions: RuleConditions;
  actions: StoredAction[];
  /** Bumped on every change; resolved action configs are cached per revision. */
  revision: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface ResolvedAction {
  actionType: ActionType;
  config: unknown;
  target: string;
}

export function ruleMatches(rule: RuleDocument, event: NotificationEvent): boolean {
  const { conditions } = rule;
  if (!conditions.eventTypes.includes(ALL_EVENT_TYPES) && !conditions.eventTypes.includes(event.type)) return false;
  if (severityRank(event.severity) < severityRank(conditions.minimumSeverity as Severity)) return false;
  if (conditions.siteIds.length > 0 && (event.siteId === null || !conditions.siteIds.includes(event.siteId))) return false;
  if (conditions.zoneIds.length > 0 && (event.zoneId === null || !conditions.zoneIds.includes(event.zoneId))) return false;
  return true;
}

export class RuleStore {
  private cache: { rules: RuleDocument[]; loadedAt: number } | null = null;
  private readonly resolved = new Map<string, ResolvedAction>();

  constructor(
    private readonly collection: Collection<RuleDocument>,
    private readonly actions: ActionRegistry,
    private readonly secretBox: SecretBox,
  ) {}

  list(): Promise<RuleDocument[]> {
    return this.collection.find({}).sort({ nameKey: 1 }).toArray();
  }

  async get(id: string): Promise<RuleDocument> {
    const rule = await this.collection.findOne({ _id: id });
    if (!rule) throw new AppError('not_found', `No forwarding rule with id "${id}".`);
    return rule;
  }

  async create(input: RuleInput): Promise<RuleDocument> {
    await this.checkNameFree(input.name, null);
    const now = new Date();
    const rule: RuleDocument = {
      _id: randomUUID(),
      name: input.name,
      nameKey: input.name.toLowerCase(),
      enabled: input.enabled,
      conditions: input.conditions,
      actions: this.storeActions(input, []),
      revision: 1,
      createdAt: now,
      updatedAt: now,
    };
    await this.collection.insertOne(rule);
    this.cache = null;
    return rule;
  }

  async update(id: string, input: RuleInput): Promise<RuleDocument> {
    const previous = await this.get(id);
    await this.checkNameFree(input.name, id);
    const changes = {
      name: input.name,
      nameKey: input.name.toLowerCase(),
      enabled: input.enabled,
      conditions: input.conditions,
      actions: this.storeActions(input, previous.actions),
      revision: previous.revision + 1,
      updatedAt: new Date(),
    };
    // Conditional on the revision read: two concurrent edits cannot both win silently.
    const result = await this.collection.updateOne({ _id: id, revision: previous.revision }, { $set: changes });
    if (result.matchedCount === 0) throw new AppError('conflict', 'The rule was changed by someone else meanwhile: reload it and try again.');
    this.cache = null;
    return { ...previous, ...changes };
  }

  findByIds(ids: string[]): Promise<RuleDocument[]> {
    return this.collection.find({ _id: { $in: ids } }).toArray();
  }

  async remove(id: string): Promise<void> {
    const result = await this.collection.deleteOne({ _id: id });
    if (result.deletedCount === 0) throw new AppError('not_found', `No forwarding rule with id "${id}".`);
    this.cache = null;
  }

  async enabledRules(): Promise<RuleDocument[]> {
    if (this.cache && Date.now() - this.cache.loadedAt < RULE_CACHE_TTL_MS) return this.cache.rules;
    const rules = await this.collection.find({ enabled: true }).toArray();
    this.cache = { rules, loadedAt: Date.now() };
    return rules;
  }

  /** An action ready to send: config validated, secrets opened. Cached per rule revision. */
  resolveAction(rule: RuleDocument, actionId: string): ResolvedAction | null {
    const key = `${rule._id}:${rule.revision}:${actionId}`;
    const cached = this.resolved.get(key);
    if (cached) return cached;
    const stored = rule.actions.find((action) => action.id === actionId);
    if (!stored || !this.actions.has(stored.type)) return null;
    const actionType = this.actions.get(stored.type);
    const config = actionType.config.parse(openSecrets(actionType, stored, this.secretBox));
    const resolved = { actionType, config, target: actionType.describeTarget(config) };
    if (this.resolved.size > 1000) this.resolved.clear();
    this.resolved.set(key, resolved);
    return resolved;
  }

  private async checkNameFree(name: string, exceptId: string | null): Promise<void> {
    const existing = await this.collection.findOne({ nameKey: name.toLowerCase() });
    if (existing && existing._id !== exceptId) {
      throw new AppError('conflict', `A forwarding rule named "${existing.name}" exists already: choose another name.`, {
        problems: [{ path: 'name', message: 'Already used by another rule' }],
      });
    }
  }

  /** Validates every action config with its type's schema; problems name `actions.N.config.field`. */
  private storeActions(input: RuleInput, previous: StoredAction[]): StoredAction[] {
    const problems: FieldProblem[] = [];
    const stored: StoredAction[] = [];
    input.actions.forEach((action, index) => {
      if (!this.actions.has(action.type)) {
        problems.push({ path: `actions.${index}.type`, message: `Unknown action type: use one of ${this.actions.typeNames().join(', ')}` });
        return;
      }
      const actionType = this.actions.get(action.type);
      const before = action.id === undefined ? undefined : previous.find((candidate) => candidate.id === action.id);
      if (action.id !== undefined && !before) {
        problems.push({ path: `actions.${index}.id`, message: 'No action with this id in the rule: omit the id for a new action' });
        return;
      }
      const parsed = actionType.config.safeParse(restoreMaskedSecrets(actionType, action.config, before, this.secretBox));
      if (!parsed.success) {
        for (const problem of fieldProblems(parsed.error)) {
          problems.push({ path: `actions.${index}.config${problem.path === '(root)' ? '' : `.${problem.path}`}`, message: problem.message });
        }
        return;
      }
      stored.push(sealSecrets(actionType, action.id ?? randomUUID(), parsed.data as Record<string, unknown>, this.secretBox));
    });
    if (problems.length > 0) {
      throw new AppError('validation_failed', `The request body is not valid: ${summarizeProblems(problems)}`, { problems });
    }
    return stored;
  }
}
