/**
 * The console's mail server (one document, `notificationSettings/_id: 'smtp'`),
 * used by the email action and the "send test mail" call. The password is
 * sealed at rest and write-only through the API (`••••` when set; sending `••••`
 * back keeps it).
 */
import type { Collection } from 'mongodb';
import { z } from 'zod';
import { MASKED, type SecretBox } from '../../../platform/secrets/secret-box.js';
import { hostField, pemField, portField } from './config-fields.js';

export const SETTINGS_COLLECTION = 'notificationSettings';
const PASSWORD_CONTEXT = 'notifications.smtp.password';

/** One address, strictly: no display name, no list, no line breaks (header injection). */
export const emailAddress = z
  .string()
  .max(254, 'At most 254 characters')
  .regex(/^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/, 'Not an email address (name@example.org)');

export const smtpSettingsInput = z
  .strictObject({
    host: hostField,
    port: portField,
    /** 'none': plain (only on a trusted network); 'starttls': upgrade required; 'tls': TLS from the first byte (465). */
    security: z.enum(['none', 'starttls', 'tls']),
    username: z.string().max(256).nullable().default(null),
    password: z.string().max(1024).nullable().default(null),
    sender: emailAddress,
    /** PEM of the CA that signed the mail server's certificate (the system store otherwise). */
    trustedCaPem: pemField.nullable().default(null),
  })
  .refine((settings) => settings.password === null || settings.password === '' || settings.username !== null, {
    message: 'A password needs a username',
    path: ['username'],
  });

export type SmtpSettings = z.output<typeof smtpSettingsInput>;

interface SmtpSettingsDocument extends Omit<SmtpSettings, 'password'> {
  _id: 'smtp';
  passwordSealed: string | null;
  updatedAt: Date;
}

export type SmtpSettingsView = Omit<SmtpSettings, 'password'> & { password: string; updatedAt: string };

export class SmtpSettingsStore {
  constructor(
    private readonly collection: Collection<SmtpSettingsDocument>,
    private readonly secretBox: SecretBox,
  ) {}

  /** With the password opened: only for sending. */
  async get(): Promise<SmtpSettings | null> {
    const document = await this.collection.findOne({ _id: 'smtp' });
    if (!document) return null;
    const { _id, passwordSealed, updatedAt, ...settings } = document;
    return { ...settings, password: passwordSealed ? this.secretBox.openText(passwordSealed, PASSWORD_CONTEXT) : null };
  }

  async view(): Promise<SmtpSettingsView | null> {
    const document = await this.collection.findOne({ _id: 'smtp' });
    if (!document) return null;
    const { _id, passwordSealed, updatedAt, ...settings } = document;
    return { ...settings, password: passwordSealed ? MASKED : '', updatedAt: updatedAt.toISOString() };
  }

  /** Resolves a masked password to the stored one, so validation and tests see the real value. */
  async withStoredPassword(input: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (input.password !== MASKED) return input;
    const stored = await this.get();
    return { ...input, password: stored?.password ?? null };
  }

  async save(settings: SmtpSettings): Promise<void> {
    const { password, ...rest } = settings;
    const document: SmtpSettingsDocument = {
      _id: 'smtp',
      ...rest,
      passwordSealed: password ? this.secretBox.seal(password, PASSWORD_CONTEXT) : null,
      updatedAt: new Date(),
    };
    await this.collection.replaceOne({ _id: 'smtp' }, document, { upsert: true });
  }
}
