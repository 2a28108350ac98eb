/**
 * Structured JSON logs (pino). Secrets are redacted by key name wherever they
 * appear in a logged object, so a careless `log.info({ config })` cannot leak a
 * password, token or private key. Code must still never log secrets on purpose.
 */
import { pino, type DestinationStream, type Logger as PinoLogger, type LevelWithSilent } from 'pino';

export type Logger = PinoLogger;

/** Key names whose values never reach a log line, at any depth up to four levels. */
const SECRET_KEYS = [
  'password',
  'passphrase',
  'secret',
  'token',
  'privateKey',
  'key',
  'authorization',
  'cookie',
  'community',
  'authKey',
  'privKey',
  'credentials',
  'masterKey',
];

function redactPaths(): string[] {
  const paths: string[] = [];
  for (const name of SECRET_KEYS) {
    paths.push(name, `*.${name}`, `*.*.${name}`, `*.*.*.${name}`);
  }
  paths.push('req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]');
  return paths;
}

export interface LoggerOptions {
  level: LevelWithSilent;
  /** Where lines go; standard output when omitted. Tests pass a stream to read them back. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'garrison' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: redactPaths(), censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination,
  );
}
