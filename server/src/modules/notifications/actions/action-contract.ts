/**
 * The contract of a forwarding action (one file per type in this folder, like
 * uptime-kuma's notification providers, typed). An action validates its own
 * config with zod and sends one message per `send()` call. It never retries,
 * sleeps or loops: it answers "delivered", or "failed, worth retrying or not",
 * and the outbox owns retries, backoff and dead-lettering (Alertmanager's split).
 *
 * Reasons are sentences for people and are stored and shown in the API, so they
 * must never contain a secret (a password, key, community or webhook secret).
 */
import type { z } from 'zod';
import type { Logger } from '../../../platform/logger.js';
import type { EventView } from '../events/event-presenter.js';
import type { SmtpSettings } from './smtp-settings.js';

export type SendResult = { ok: true } | { ok: false; retryable: boolean; reason: string };

/** What every action sends: the event plus the rule that forwarded it. */
export interface OutgoingNotification {
  event: EventView;
  ruleName: string;
  /** The console's name in messages (syslog HOSTNAME, mail signature). */
  consoleName: string;
  consoleVersion: string;
}

/** Console-wide things some actions need, resolved at send time. */
export interface ActionEnvironment {
  logger: Logger;
  /** The console's SMTP settings with the password opened, or null when not configured. */
  smtpSettings(): Promise<SmtpSettings | null>;
}

export interface ActionType<Schema extends z.ZodType = z.ZodType> {
  /** Stable, stored in rules and deliveries: 'syslog', 'email', 'snmp-trap', 'webhook'. */
  type: string;
  label: string;
  /** A `z.strictObject`: unknown fields are refused, each problem names its field. */
  config: Schema;
  /** Top-level config keys holding secrets: sealed at rest, write-only through the API. */
  secretFields: readonly string[];
  /** Where messages go, in words, without secrets: 'syslog TCP 10.0.0.5:514 (CEF)'. */
  describeTarget(config: z.output<Schema>): string;
  send(notification: OutgoingNotification, config: z.output<Schema>, environment: ActionEnvironment): Promise<SendResult>;
  /**
   * Optional: sends several messages to one target at once (syslog: one write on
   * one kept-open connection). One result per message, in order. The outbox uses
   * it when present and falls back to `send` per message otherwise.
   */
  sendMany?(notifications: OutgoingNotification[], config: z.output<Schema>, environment: ActionEnvironment): Promise<SendResult[]>;
  /** Closes pooled connections at shutdown. */
  close?(): Promise<void>;
}

/** Turns an unknown thrown value into a reason without a stack or a secret. */
export function errorReason(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}
