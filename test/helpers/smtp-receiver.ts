/**
 * A real SMTP server for tests (npm smtp-server, REAL-SERVICES.md): STARTTLS
 * required, AUTH PLAIN/LOGIN with one account, every accepted message parsed
 * with mailparser. `failNext(code, count)` makes the next deliveries fail with a
 * given reply (451 transient, 550 permanent) to test the outbox's decisions.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { waitFor } from './free-ports.js';

export interface SmtpReceiver {
  port: number;
  username: string;
  password: string;
  messages: ParsedMail[];
  /** Refuse the next `count` messages with this reply code. */
  failNext(code: 451 | 550, count: number): void;
  attempts(): number;
  waitForMessages(count: number, timeoutMs?: number): Promise<ParsedMail[]>;
  stop(): Promise<void>;
}

export async function startSmtpReceiver(tls: { certPem: string; keyPem: string }): Promise<SmtpReceiver> {
  const username = 'garrison';
  const password = 'smtp-password-7c1e';
  const messages: ParsedMail[] = [];
  let failure: { code: number; remaining: number } | null = null;
  let attempts = 0;
  const server = new SMTPServer({
    key: tls.keyPem,
    cert: tls.certPem,
    authMethods: ['PLAIN', 'LOGIN'],
    disableReverseLookup: true,
    hideSTARTTLS: false,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === username && auth.password === password) callback(null, { user: username });
      else callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onData(stream, _session, callback) {
      attempts += 1;
      simpleParser(stream)
        .then((parsed) => {
          if (failure && failure.remaining > 0) {
            failure.remaining -= 1;
            const code = failure.code;
            callback(Object.assign(new Error(code === 451 ? 'Try again later' : 'Mailbox unavailable'), { responseCode: code }));
            return;
          }
          messages.push(parsed);
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    username,
    password,
    messages,
    failNext(code, count) {
      failure = { code, remaining: count };
    },
    attempts: () => attempts,
    async waitForMessages(count, timeoutMs = 15_000) {
      await waitFor(() => messages.length >= count, timeoutMs, () => `${messages.length} of ${count} mails received`);
      return messages;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
