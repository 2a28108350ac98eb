/**
 * The console's configuration: one zod schema, read from environment variables
 * once at start. Every field names the variable it comes from so that a bad
 * value is reported as "GARRISON_HTTPS_PORT: …", all problems at once.
 */
import os from 'node:os';
import path from 'node:path';
import { isIP } from 'node:net';
import { z } from 'zod';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A TCP/UDP port; 0 asks the OS for a free one (tests use it). */
const port = z.coerce
  .number({ message: 'must be a whole number from 0 to 65535' })
  .int('must be a whole number from 0 to 65535')
  .min(0, 'must be a whole number from 0 to 65535')
  .max(65535, 'must be a whole number from 0 to 65535');

const HOST_NAME = /^(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

export function isHostAddress(value: string): boolean {
  return isIP(value) !== 0 || HOST_NAME.test(value);
}

const publicHosts = z
  .string()
  .transform((value) => value.split(',').map((host) => host.trim()).filter((host) => host.length > 0))
  .pipe(
    z
      .array(z.string().refine(isHostAddress, { message: 'is not an IP address or host name' }))
      .min(1, 'must list at least one address')
      .max(8, 'may list at most 8 addresses'),
  );

const mongodbUri = z
  .string()
  .regex(/^mongodb(\+srv)?:\/\/\S+$/, 'must be a mongodb:// or mongodb+srv:// URI')
  .optional();

const masterKeyBase64 = z
  .string()
  .refine((value) => Buffer.from(value, 'base64').length === 32, { message: 'must be 32 bytes, base64-encoded' })
  .optional();

/** A whole number within [min, max]; the message names the unit and the range, like the other fields. */
function wholeNumber(min: number, max: number, unit: string) {
  const message = `must be a whole number of ${unit} from ${min} to ${max}`;
  return z.coerce.number({ message }).int(message).min(min, message).max(max, message);
}

/** A number within [min, max], decimals allowed (a test may want a 3-second idle timeout). */
function decimalNumber(min: number, max: number, unit: string) {
  const message = `must be a number of ${unit} from ${min} to ${max}`;
  return z.coerce.number({ message }).refine(Number.isFinite, message).pipe(z.number().min(min, message).max(max, message));
}

function defaultMasterKeyFile(env: NodeJS.ProcessEnv): string {
  const configHome = env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), '.config');
  return path.join(configHome, 'garrison', 'master.key');
}

/**
 * Field → (environment variable, schema, default). The README's configuration table
 * mirrors this. `secret` fields are never echoed back in error messages.
 */
export function configFields(env: NodeJS.ProcessEnv) {
  return {
    dataDir: { variable: 'GARRISON_DATA_DIR', schema: z.string().min(1), fallback: './data' },
    bindAddress: {
      variable: 'GARRISON_BIND_ADDRESS',
      schema: z.string().refine((value) => isIP(value) !== 0, { message: 'must be an IP address' }),
      fallback: '0.0.0.0',
    },
    httpsPort: { variable: 'GARRISON_HTTPS_PORT', schema: port, fallback: '8443' },
    linkPort: { variable: 'GARRISON_LINK_PORT', schema: port, fallback: '8444' },
    sshPort: { variable: 'GARRISON_SSH_PORT', schema: port, fallback: '2222' },
    snmpPort: { variable: 'GARRISON_SNMP_PORT', schema: port, fallback: '1161' },
    publicHosts: { variable: 'GARRISON_PUBLIC_HOSTS', schema: publicHosts, fallback: `${os.hostname()},localhost` },
    logLevel: { variable: 'GARRISON_LOG_LEVEL', schema: z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }), fallback: 'info' },
    adminPassword: {
      variable: 'GARRISON_ADMIN_PASSWORD',
      schema: z.string().min(12, 'must be at least 12 characters').max(256, 'must be at most 256 characters').optional(),
      fallback: undefined,
      secret: true,
    },
    mongodbUri: { variable: 'MONGODB_URI', schema: mongodbUri, fallback: undefined, secret: true },
    masterKey: { variable: 'GARRISON_MASTER_KEY', schema: masterKeyBase64, fallback: undefined, secret: true },
    masterKeyFile: { variable: 'GARRISON_MASTER_KEY_FILE', schema: z.string().min(1), fallback: defaultMasterKeyFile(env) },
    shutdownTimeoutMs: {
      variable: 'GARRISON_SHUTDOWN_TIMEOUT_MS',
      schema: z.coerce.number({ message: 'must be a number of milliseconds' }).int().min(1000, 'must be at least 1000').max(300_000, 'must be at most 300000'),
      fallback: '20000',
    },
    // Sign-in sessions: an unused session ends after the idle timeout, any session after the absolute one.
    sessionIdleMinutes: { variable: 'GARRISON_SESSION_IDLE_MINUTES', schema: decimalNumber(0.05, 1440, 'minutes'), fallback: '30' },
    sessionAbsoluteHours: { variable: 'GARRISON_SESSION_ABSOLUTE_HOURS', schema: decimalNumber(0.01, 720, 'hours'), fallback: '12' },
    // The sensor link's timings and limits (read by server/src/link; tests shorten them).
    linkGraceMs: { variable: 'GARRISON_LINK_GRACE_MS', schema: wholeNumber(100, 24 * 3600_000, 'milliseconds'), fallback: '60000' },
    linkPingIntervalMs: { variable: 'GARRISON_LINK_PING_INTERVAL_MS', schema: wholeNumber(100, 300_000, 'milliseconds'), fallback: '10000' },
    linkPingTimeoutMs: { variable: 'GARRISON_LINK_PING_TIMEOUT_MS', schema: wholeNumber(100, 300_000, 'milliseconds'), fallback: '15000' },
    linkHealthIntervalMs: { variable: 'GARRISON_LINK_HEALTH_INTERVAL_MS', schema: wholeNumber(100, 3600_000, 'milliseconds'), fallback: '30000' },
    linkMaxHandshakes: { variable: 'GARRISON_LINK_MAX_HANDSHAKES', schema: wholeNumber(1, 10_000, 'handshakes'), fallback: '1024' },
    enrollAttemptsPerMinute: { variable: 'GARRISON_ENROLL_ATTEMPTS_PER_MINUTE', schema: wholeNumber(1, 100_000, 'attempts'), fallback: '20' },
    enrollMaxWaitMs: { variable: 'GARRISON_ENROLL_MAX_WAIT_MS', schema: wholeNumber(0, 120_000, 'milliseconds'), fallback: '10000' },
  } as const;
}

type Fields = ReturnType<typeof configFields>;

export type ConsoleConfig = { [K in keyof Fields]: z.output<Fields[K]['schema']> };
