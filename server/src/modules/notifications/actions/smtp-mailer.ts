/**
 * Sends mail through the console's SMTP settings with nodemailer. Transports are
 * pooled per settings (a new SMTP session costs a handshake and, with TLS, much
 * more) and rebuilt when the settings change.
 *
 * Outcome rule (RFC 5321 § 4.2.1): a 4xx reply is transient and worth retrying,
 * a 5xx reply is permanent; no reply at all (refused, timed out, TLS failure)
 * is treated as transient.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import { TLS_POLICY } from '../../../platform/tls-policy.js';
import { outboundTlsOptions } from '../../pki/outbound-tls.js';
import { errorReason, type SendResult } from './action-contract.js';
import type { SmtpSettings } from './smtp-settings.js';

export interface MailMessage {
  to: string[];
  subject: string;
  text: string;
  headers?: Record<string, string>;
}

export function smtpFailure(error: unknown): SendResult {
  const responseCode = (error as { responseCode?: number }).responseCode;
  const reason = errorReason(error).replace(/\s+/g, ' ').slice(0, 500);
  if (typeof responseCode === 'number') {
    return { ok: false, retryable: responseCode < 500, reason: `The mail server answered ${responseCode}: ${reason}` };
  }
  return { ok: false, retryable: true, reason: `The mail server could not be reached: ${reason}` };
}

export class SmtpMailer {
  private transports = new Map<string, Transporter>();

  private transport(settings: SmtpSettings): Transporter {
    const key = JSON.stringify(settings);
    let transport = this.transports.get(key);
    if (!transport) {
      // Settings changed: the old pools would never be used again.
      this.closeAll();
      transport = nodemailer.createTransport({
        pool: true,
        maxConnections: 2,
        host: settings.host,
        port: settings.port,
        secure: settings.security === 'tls',
        requireTLS: settings.security === 'starttls',
        ignoreTLS: settings.security === 'none',
        connectionTimeout: 15_000,
        greetingTimeout: 15_000,
        socketTimeout: 30_000,
        ...(settings.username ? { auth: { user: settings.username, pass: settings.password ?? '' } } : {}),
        tls: {
          ...TLS_POLICY,
          ...outboundTlsOptions(settings.trustedCaPem),
          servername: settings.host,
        },
      });
      this.transports.set(key, transport);
    }
    return transport;
  }

  async send(settings: SmtpSettings, message: MailMessage): Promise<SendResult> {
    try {
      await this.transport(settings).sendMail({
        from: settings.sender,
        to: message.to,
        subject: message.subject,
        text: message.text,
        ...(message.headers ? { headers: message.headers } : {}),
      });
      return { ok: true };
    } catch (error) {
      return smtpFailure(error);
    }
  }

  closeAll(): void {
    for (const transport of this.transports.values()) transport.close();
    this.transports.clear();
  }
}
