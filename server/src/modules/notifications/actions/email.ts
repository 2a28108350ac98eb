/**
 * Email forwarding through the console's SMTP settings. The subject and body are
 * plain text; the event id is in the body and in an `X-Garrison-Event-Id`
 * header so a mail rule or ticketing system can drop duplicates.
 */
import { z } from 'zod';
import type { ActionType } from './action-contract.js';
import { SmtpMailer } from './smtp-mailer.js';
import { emailAddress } from './smtp-settings.js';

export const emailConfig = z.strictObject({
  recipients: z
    .array(emailAddress)
    .min(1, 'Give at least one recipient')
    .max(50, 'At most 50 recipients')
    .refine((list) => new Set(list.map((address) => address.toLowerCase())).size === list.length, { message: 'A recipient is listed twice' }),
  subjectPrefix: z
    .string()
    .max(60, 'At most 60 characters')
    .regex(/^[^\r\n]*$/, 'No line breaks')
    .default('[Garrison]'),
});

export type EmailConfig = z.output<typeof emailConfig>;

function oneLine(value: string): string {
  return value.replace(/[\r\n]+/g, ' ');
}

export function createEmailAction(): ActionType<typeof emailConfig> {
  const mailer = new SmtpMailer();
  return {
    type: 'email',
    label: 'Email',
    config: emailConfig,
    secretFields: [],
    describeTarget: (config) => `email to ${config.recipients.join(', ')}`,
    async send(notification, config, environment) {
      const settings = await environment.smtpSettings();
      if (!settings) return { ok: false, retryable: true, reason: 'No mail server is configured (System Settings → Mail server).' };
      const { event } = notification;
      const lines = [
        event.title,
        '',
        `Event:     ${event.type}`,
        `Severity:  ${event.severity}`,
        `Time:      ${event.occurredAt}`,
        ...(event.sensor ? [`Sensor:    ${event.sensor.name ?? ''} (${event.sensor.id})`] : []),
        ...(event.siteId ? [`Site:      ${event.siteId}`] : []),
        ...(event.zoneId ? [`Zone:      ${event.zoneId}`] : []),
        ...Object.entries(event.fields).map(([name, value]) => `${`${name}:`.padEnd(11)}${value === null ? '' : String(value)}`),
        '',
        `Event id:  ${event.id}`,
        `Rule:      ${notification.ruleName}`,
        `Console:   ${notification.consoleName} (Garrison ${notification.consoleVersion})`,
      ];
      return mailer.send(settings, {
        to: config.recipients,
        subject: oneLine(`${config.subjectPrefix} ${event.severity.toUpperCase()}: ${event.title}`.trim()),
        text: lines.join('\n'),
        headers: { 'X-Garrison-Event-Id': event.id },
      });
    },
    async close() {
      mailer.closeAll();
    },
  };
}
