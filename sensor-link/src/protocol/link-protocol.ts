/**
 * The wire contract of the `/link` socket.io namespace, imported by both ends.
 * Nothing else crosses the wire. Every payload has a strict zod schema; the
 * receiving end validates, and a message that fails is logged and dropped.
 *
 * Handshake: the sensor connects with mutual TLS and `auth` = LinkHandshakeAuth.
 * The console maps the client certificate to a sensor and answers with
 * `link:welcome`, or refuses the connection with a `connect_error` whose
 * `data` is a LinkRefusal (code + sentence; with 'busy', when to try again).
 *
 * Acknowledgements: every sensor → console event carries a callback answered
 * with LinkAck<T> = { data } | { error: { code, message } }. So do the
 * console → sensor requests `settings:apply`, `backup:produce` and
 * `backup:restore` (the sensor answers them).
 *
 * Protocol 1 grew `settings:apply` additively (no version bump): a sensor that
 * does not know the event never answers, and the console records that as an
 * apply failure ("no answer from the sensor within N s"); nothing else changed.
 *
 * Protocol 1 also grew `backup:produce` and `backup:restore` additively, the
 * same way: a sensor that does not know them never answers and the console
 * records the run as failed ("timeout"). The archive itself does not cross the
 * socket: the sensor PUTs it to (or GETs it from) the HTTPS path named in the
 * request, on the link port, with the client certificate of its live link.
 */
import { z } from 'zod';

/** Bumped when a change breaks either end; the console refuses versions it does not speak. */
export const PROTOCOL_VERSION = 1;
export const SUPPORTED_PROTOCOL_VERSIONS: readonly number[] = [1];
export const LINK_NAMESPACE = '/link';
/** The socket.io path on the link port (the default, spelled out because both ends must agree). */
export const LINK_SOCKET_PATH = '/socket.io';

export type LinkAck<T> = { data: T } | { error: { code: LinkErrorCode; message: string } };

export const LINK_ERROR_CODES = ['invalid-message', 'not-allowed', 'internal', 'unavailable'] as const;
export type LinkErrorCode = (typeof LINK_ERROR_CODES)[number];

/** Why the console refused a link or closed it; the sensor logs `message` and acts on `code`. */
export const LINK_REFUSAL_CODES = [
  'no-client-certificate',
  'untrusted-certificate',
  'certificate-expired',
  'unknown-sensor',
  'revoked',
  'protocol-mismatch',
  'invalid-handshake',
  'busy',
  'replaced',
  'console-shutdown',
] as const;
export type LinkRefusalCode = (typeof LINK_REFUSAL_CODES)[number];

/**
 * When to try again, sent by the console with a refusal it expects to pass. The sensor waits `afterMs` plus
 * a uniformly random share of `spreadMs`; if that attempt fails too, the ordinary backoff takes over from its
 * first window.
 * - 'console-shutdown' (a planned restart, in link:closing): `afterMs` is about how long the console takes to
 *   come back and `spreadMs` is wider for a larger fleet, so the fleet returns as a steady stream the console
 *   can admit instead of in backoff waves that mostly hit a console still starting.
 * - 'busy' (a connect storm, in the connect_error refusal): each refused sensor gets the next free slot at the
 *   rate the console is admitting links, so the refused ones come back as a stream while the console still has
 *   capacity, instead of sitting out 30–60 s backoff windows after the storm is over.
 */
export const reconnectHintSchema = z.strictObject({
  afterMs: z.number().int().min(0).max(600_000),
  spreadMs: z.number().int().min(0).max(600_000),
});
export type ReconnectHint = z.infer<typeof reconnectHintSchema>;

/**
 * Why the console refused a link (connect_error `data`) or is closing it (link:closing). `reconnect` is sent
 * with 'busy' and with 'console-shutdown' only. It was added to the refusal additively (no version bump): a
 * sensor-link from before it parses the refusal with this schema without the field, which as a strict object
 * fails, so it takes the refusal for an unexplained connect error (logging its message) and backs off as it
 * always did: an older sensor only misses the shorter wait.
 */
export const linkRefusalSchema = z.strictObject({
  code: z.enum(LINK_REFUSAL_CODES),
  message: z.string().max(1000),
  reconnect: reconnectHintSchema.optional(),
});
export type LinkRefusal = z.infer<typeof linkRefusalSchema>;

/** Sent right before the console closes a link on purpose: the same shape as a refusal. */
export const linkClosingSchema = linkRefusalSchema;
export type LinkClosing = LinkRefusal;

const versionText = z.string().min(1).max(64);

export const sensorVersionsSchema = z.strictObject({
  sensorLink: versionText,
  core: versionText,
  protocol: z.number().int().min(1).max(1000),
});
export type SensorVersions = z.infer<typeof sensorVersionsSchema>;

export const linkHandshakeAuthSchema = z.strictObject({
  protocolVersion: z.number().int().min(1).max(1000),
  versions: sensorVersionsSchema,
});
export type LinkHandshakeAuth = z.infer<typeof linkHandshakeAuthSchema>;

export const linkWelcomeSchema = z.strictObject({
  sensorId: z.string(),
  sensorName: z.string(),
  zoneId: z.string().nullable(),
  /** Console clock when sent (ISO 8601). */
  consoleTime: z.string(),
  /** How often the sensor should report health. */
  healthIntervalMs: z.number().int().positive(),
});
export type LinkWelcome = z.infer<typeof linkWelcomeSchema>;

export const healthReportSchema = z.strictObject({
  versions: sensorVersionsSchema,
  packetsPerSecond: z.number().finite().min(0),
  bytesPerSecond: z.number().finite().min(0),
  diskUsedPercent: z.number().finite().min(0).max(100),
  uptimeSeconds: z.number().finite().min(0),
  /** The sensor's clock when it sent the report (ISO 8601). */
  sensorTime: z.iso.datetime({ offset: true }),
  /** Round trip of the previous report's acknowledgement, so the console can correct clock skew by half of it. */
  lastRoundTripMs: z.number().finite().min(0).max(600_000).nullable(),
});
export type HealthReport = z.infer<typeof healthReportSchema>;

export const healthAckSchema = z.strictObject({
  consoleTime: z.string(),
  clockSkewMs: z.number(),
});
export type HealthAck = z.infer<typeof healthAckSchema>;

export const renewCertificateSchema = z.strictObject({
  csrPem: z.string().min(1).max(16 * 1024),
});
export type RenewCertificateRequest = z.infer<typeof renewCertificateSchema>;

export const renewedCertificateSchema = z.strictObject({
  certificatePem: z.string(),
  caChainPem: z.string(),
  notAfter: z.string(),
});
export type RenewedCertificate = z.infer<typeof renewedCertificateSchema>;

/**
 * Console → sensor: apply these effective settings (secrets in clear; the link
 * is mutual TLS). `settings` is checked by the sensor against the shared
 * sensorSettingsSchema (settings-schema.ts) before anything is applied, so the
 * envelope leaves it unknown here and the sensor can name what is wrong.
 */
export const settingsApplySchema = z.strictObject({
  revision: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  settings: z.unknown(),
});
export type SettingsApplyRequest = z.infer<typeof settingsApplySchema>;

/**
 * The sensor's answer: `{ data: { revision, applied: true } }` once every file
 * is written and the reload ran, or `{ error: { code, message } }` with the
 * reason in words ('invalid-message': the settings were refused unapplied;
 * 'unavailable': the capture core cannot apply settings; 'internal': applying
 * failed, e.g. the reload command exited 1).
 */
export const settingsAppliedSchema = z.strictObject({
  revision: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  applied: z.literal(true),
});
export type SettingsApplied = z.infer<typeof settingsAppliedSchema>;

/** Link-port HTTPS paths for backup transfers (the console serves them to linked sensors only). */
export const BACKUP_UPLOAD_PATH_PREFIX = '/backup/v1/upload/';
export const BACKUP_RESTORE_PATH_PREFIX = '/backup/v1/restore/';
/** Upload headers: the archive's SHA-256 (hex) and size; the console checks both before the file becomes visible. */
export const BACKUP_DIGEST_HEADER = 'x-garrison-backup-sha256';
export const BACKUP_SIZE_HEADER = 'x-garrison-backup-size';

const transferToken = z.string().regex(/^[A-Za-z0-9_-]{16,128}$/, 'must be 16 to 128 URL-safe characters');
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lower-case hex SHA-256');
const byteCount = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/**
 * Console → sensor: produce a backup through the capture core and upload it
 * with PUT to `uploadPath` on the link port (headers BACKUP_SIZE_HEADER and
 * BACKUP_DIGEST_HEADER, body the tar), throttled to the sensor's applied
 * upload bandwidth limit.
 */
export const backupProduceSchema = z.strictObject({
  runId: z.string().min(1).max(64),
  uploadPath: z.string().max(200).refine((value) => value.startsWith(BACKUP_UPLOAD_PATH_PREFIX) && transferToken.safeParse(value.slice(BACKUP_UPLOAD_PATH_PREFIX.length)).success, 'must be the upload path followed by a token'),
});
export type BackupProduceRequest = z.infer<typeof backupProduceSchema>;

/**
 * The sensor's answer once the console accepted the upload: what it sent. A
 * failure is `{ error }` with the reason in words ('unavailable': the core
 * cannot produce backups; 'internal': producing or uploading failed, e.g.
 * "the console refused the upload: …"). The console judges the run by what it
 * received; the answer explains failures that happened before any upload.
 */
export const backupProducedSchema = z.strictObject({
  runId: z.string().min(1).max(64),
  sizeBytes: byteCount,
  sha256: sha256Hex,
});
export type BackupProduced = z.infer<typeof backupProducedSchema>;

/**
 * Console → sensor: download the archive with GET from `downloadPath` on the
 * link port, check it has `sizeBytes` and `sha256`, and hand it to the
 * capture core to restore. Answered once restored (or with why not).
 */
export const backupRestoreSchema = z.strictObject({
  restoreId: z.string().min(1).max(64),
  downloadPath: z.string().max(200).refine((value) => value.startsWith(BACKUP_RESTORE_PATH_PREFIX) && transferToken.safeParse(value.slice(BACKUP_RESTORE_PATH_PREFIX.length)).success, 'must be the restore path followed by a token'),
  sizeBytes: byteCount,
  sha256: sha256Hex,
});
export type BackupRestoreRequest = z.infer<typeof backupRestoreSchema>;

export const backupRestoredSchema = z.strictObject({
  restoreId: z.string().min(1).max(64),
  restored: z.literal(true),
});
export type BackupRestored = z.infer<typeof backupRestoredSchema>;

/** Events the sensor sends; each takes a payload and an acknowledgement callback. */
export interface SensorToConsoleEvents {
  'health:report': (report: HealthReport, ack: (answer: LinkAck<HealthAck>) => void) => void;
  'certificate:renew': (request: RenewCertificateRequest, ack: (answer: LinkAck<RenewedCertificate>) => void) => void;
}

/** Events the console sends. */
export interface ConsoleToSensorEvents {
  'link:welcome': (welcome: LinkWelcome) => void;
  /** Sent right before the console closes the link on purpose (revoked, replaced, shutdown). */
  'link:closing': (notice: LinkClosing) => void;
  /** Apply the effective settings of `revision`; answered once applied (or with why not). */
  'settings:apply': (request: SettingsApplyRequest, ack: (answer: LinkAck<SettingsApplied>) => void) => void;
  /** Produce a backup and upload it; answered once the upload ended (or with why not). */
  'backup:produce': (request: BackupProduceRequest, ack: (answer: LinkAck<BackupProduced>) => void) => void;
  /** Download a backup, verify it and restore it through the capture core; answered once restored (or with why not). */
  'backup:restore': (request: BackupRestoreRequest, ack: (answer: LinkAck<BackupRestored>) => void) => void;
}

export function linkError(code: LinkErrorCode, message: string): LinkAck<never> {
  return { error: { code, message } };
}

/** The ack shape as a schema, for the sensor to validate answers with the payload schema it expects. */
export function linkAckSchema<T extends z.ZodType>(data: T) {
  return z.union([
    z.strictObject({ data }),
    z.strictObject({ error: z.strictObject({ code: z.enum(LINK_ERROR_CODES), message: z.string() }) }),
  ]);
}
