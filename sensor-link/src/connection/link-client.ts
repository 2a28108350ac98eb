/**
 * The sensor's side of the link: one socket.io connection over mutual TLS to
 * `/link`, tried on every console address in turn, with exponential backoff
 * and full jitter between attempts (socket.io's own reconnection is off, so
 * there is one retry policy). While linked it reports health on the interval
 * the console asks for and renews its certificate at two thirds of its life.
 *
 * A refusal that retrying cannot fix (revoked, unknown or expired
 * certificate, protocol mismatch) stops the client with a sentence saying
 * what to do; anything else (network, console restarting, busy) is retried:
 * after the wait the console asked for when it sent one (a planned restart,
 * busy), otherwise after the backoff.
 */
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import type { CaptureCore } from '../core/capture-core.js';
import { downloadAndRestoreBackup, produceAndUploadBackup, type BackupRequestContext } from '../backup/backup-requests.js';
import { rememberUploadLimit } from '../backup/upload-limit.js';
import { createKeyAndCsr } from '../enroll/csr.js';
import type { LinkLog } from '../link-log.js';
import { parseAddress } from '../protocol/connection-string.js';
import {
  LINK_NAMESPACE,
  LINK_SOCKET_PATH,
  PROTOCOL_VERSION,
  healthAckSchema,
  linkAckSchema,
  linkClosingSchema,
  linkRefusalSchema,
  linkWelcomeSchema,
  linkError,
  renewedCertificateSchema,
  type ConsoleToSensorEvents,
  type LinkAck,
  type SettingsApplied,
  type HealthReport,
  type LinkRefusal,
  type LinkRefusalCode,
  type ReconnectHint,
  type SensorToConsoleEvents,
} from '../protocol/link-protocol.js';
import type { SensorSettings } from '../protocol/settings-schema.js';
import type { LinkState, LinkStateStore } from '../state/link-state.js';
import { sensorLinkVersion } from '../version.js';
import { Backoff, PRODUCTION_BACKOFF, type BackoffOptions } from './backoff.js';
import { applyPushedSettings } from './settings-apply.js';

type LinkSocket = Socket<ConsoleToSensorEvents, SensorToConsoleEvents>;

const FATAL_REFUSALS: ReadonlySet<LinkRefusalCode> = new Set([
  'no-client-certificate',
  'untrusted-certificate',
  'certificate-expired',
  'unknown-sensor',
  'revoked',
  'protocol-mismatch',
  'invalid-handshake',
]);
const ACK_TIMEOUT_MS = 15_000;
const RENEW_AT_FRACTION = 2 / 3;
/** Built once: a zod schema costs more to build than to use, and every sensor acknowledges a health report each interval. */
const healthAnswerSchema = linkAckSchema(healthAckSchema);

export type LinkClientState = 'connecting' | 'connected' | 'waiting' | 'stopped' | 'failed';

export interface LinkStatus {
  state: LinkClientState;
  message: string;
  refusal?: LinkRefusal;
}

export interface LinkClientOptions {
  store: LinkStateStore;
  core: CaptureCore;
  log: LinkLog;
  backoff?: BackoffOptions;
  connectTimeoutMs?: number;
}

export class LinkClient {
  private state: LinkState | null = null;
  private socket: LinkSocket | null = null;
  private readonly backoff: Backoff;
  /**
   * When the console asked to be tried again: a planned restart's link:closing, or a 'busy' refusal during a
   * connect storm. Used for the next retry only (retry() clears it).
   */
  private reconnectHint: ReconnectHint | null = null;
  private addressIndex = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private healthTimer: NodeJS.Timeout | null = null;
  private lastRoundTripMs: number | null = null;
  private renewing = false;
  /** Settings pushes are applied one after another, in the order they came. */
  private applying: Promise<void> = Promise.resolve();
  /** The upload limit this process last wrote to the state folder; undefined until it wrote one. */
  private rememberedUploadLimit: number | null | undefined = undefined;
  /** The `host:port` of the live link, where backups are uploaded and downloaded. */
  private linkedAddress: string | null = null;
  /** Aborts backup transfers in flight when the client stops. */
  private readonly transfers = new AbortController();
  private stopped = false;
  private readonly listeners = new Set<(status: LinkStatus) => void>();
  current: LinkStatus = { state: 'connecting', message: 'Starting the link.' };

  constructor(private readonly options: LinkClientOptions) {
    this.backoff = new Backoff(options.backoff ?? PRODUCTION_BACKOFF);
  }

  onStatus(listener: (status: LinkStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(): Promise<void> {
    this.state = await this.options.store.load();
    if (!this.state) return this.fail('This sensor is not enrolled: run sensor-link connect <connection string> first.');
    await this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.clearTimers();
    this.transfers.abort();
    this.socket?.removeAllListeners();
    this.socket?.disconnect();
    this.socket = null;
    this.setStatus({ state: 'stopped', message: 'The link was stopped.' });
  }

  /** Renews the certificate now (normally done at two thirds of its life). */
  async renewCertificate(): Promise<void> {
    const socket = this.socket;
    const state = this.state;
    if (!socket?.connected || !state || this.renewing) throw new Error('The link is not connected; the certificate renews once it is.');
    this.renewing = true;
    try {
      const { privateKeyPem, csrPem } = await createKeyAndCsr({ commonName: state.sensorName });
      const answer: unknown = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('certificate:renew', { csrPem });
      const parsed = linkAckSchema(renewedCertificateSchema).safeParse(answer);
      if (!parsed.success) throw new Error('The console answered the renewal with a malformed message.');
      if ('error' in parsed.data) throw new Error(`The console refused the renewal: ${parsed.data.error.message}`);
      const certificate = new X509Certificate(parsed.data.data.certificatePem);
      const ourKey = createPublicKey(createPrivateKey(privateKeyPem)).export({ type: 'spki', format: 'der' });
      if (!certificate.verify(new X509Certificate(state.caPem).publicKey) || !certificate.publicKey.export({ type: 'spki', format: 'der' }).equals(ourKey)) {
        throw new Error('The renewed certificate does not match this sensor\'s new key or the console CA; keeping the current one.');
      }
      await this.options.store.saveRenewed(privateKeyPem, parsed.data.data.certificatePem);
      this.state = { ...state, privateKeyPem, certificatePem: parsed.data.data.certificatePem, notBefore: new Date(certificate.validFrom), notAfter: new Date(certificate.validTo) };
      this.options.log.info(`Certificate renewed; valid until ${certificate.validTo}.`);
    } finally {
      this.renewing = false;
    }
  }

  private setStatus(status: LinkStatus): void {
    this.current = status;
    for (const listener of this.listeners) listener(status);
  }

  private fail(message: string, refusal?: LinkRefusal): void {
    this.stopped = true;
    this.clearTimers();
    this.options.log.error(message);
    this.setStatus({ state: 'failed', message, ...(refusal ? { refusal } : {}) });
  }

  private clearTimers(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.healthTimer) clearInterval(this.healthTimer);
    this.retryTimer = null;
    this.healthTimer = null;
  }

  private async connect(): Promise<void> {
    const state = this.state;
    if (this.stopped || !state) return;
    if (state.notAfter.getTime() <= Date.now()) {
      return this.fail(`This sensor's certificate expired on ${state.notAfter.toISOString()}. Re-enrol it with a new connection string: sensor-link connect <string>.`);
    }
    const addressText = state.consoleAddresses[this.addressIndex % state.consoleAddresses.length] ?? '';
    this.addressIndex += 1;
    const address = parseAddress(addressText);
    if (!address) return this.fail(`The stored console address "${addressText}" is malformed; re-enrol the sensor.`);
    this.setStatus({ state: 'connecting', message: `Connecting to the console at ${addressText}…` });
    // The core's version goes into the handshake; a core that cannot say links as "unknown" rather than not at all.
    const coreVersion = await this.options.core.facts().then((facts) => facts.version, () => 'unknown');
    if (this.stopped) return;
    const socket: LinkSocket = io(`https://${addressText}${LINK_NAMESPACE}`, {
      path: LINK_SOCKET_PATH,
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      timeout: this.options.connectTimeoutMs ?? 20_000,
      ca: state.caPem,
      cert: state.certificatePem,
      key: state.privateKeyPem,
      rejectUnauthorized: true,
      auth: { protocolVersion: PROTOCOL_VERSION, versions: { sensorLink: sensorLinkVersion(), core: coreVersion, protocol: PROTOCOL_VERSION } },
    });
    this.socket = socket;

    socket.on('connect_error', (error: Error & { data?: unknown }) => {
      const refusal = linkRefusalSchema.safeParse(error.data);
      if (refusal.success && FATAL_REFUSALS.has(refusal.data.code)) {
        socket.removeAllListeners();
        return this.fail(`The console refused the link: ${refusal.data.message}`, refusal.data);
      }
      // A busy console says when it has room again; without a hint (an older console, or a lookup that failed) the
      // ordinary backoff applies.
      this.reconnectHint = refusal.success && refusal.data.code === 'busy' ? (refusal.data.reconnect ?? null) : null;
      this.retry(refusal.success ? `The console refused the link for now: ${refusal.data.message}` : `Cannot reach the console at ${addressText}: ${error.message}.`);
    });
    socket.on('link:welcome', (welcome) => {
      const parsed = linkWelcomeSchema.safeParse(welcome);
      if (!parsed.success) return this.options.log.warn('Dropped a malformed welcome message from the console.');
      this.backoff.reset();
      this.linkedAddress = addressText;
      this.setStatus({ state: 'connected', message: `Linked to the console at ${addressText} as "${parsed.data.sensorName}".` });
      this.options.log.info(`Linked to the console at ${addressText} as "${parsed.data.sensorName}" (${parsed.data.sensorId}).`);
      if (this.healthTimer) clearInterval(this.healthTimer);
      this.healthTimer = setInterval(() => void this.reportHealth(), parsed.data.healthIntervalMs);
      this.healthTimer.unref();
      void this.reportHealth();
    });
    socket.on('settings:apply', (request, ack) => {
      if (typeof ack !== 'function') return this.options.log.warn('Dropped a settings push without an acknowledgement callback.');
      const answer = (reply: LinkAck<SettingsApplied>) => {
        if (socket.connected) ack(reply);
      };
      this.applying = this.applying.then(() =>
        this.applySettings(request).then(answer, (error: unknown) =>
          answer(linkError('internal', `The sensor could not apply the settings: ${(error as Error).message}`)),
        ),
      );
    });
    socket.on('backup:produce', (request, ack) => this.onBackupRequest(socket, ack, (context) => produceAndUploadBackup(request, context)));
    socket.on('backup:restore', (request, ack) => this.onBackupRequest(socket, ack, (context) => downloadAndRestoreBackup(request, context)));
    socket.on('link:closing', (notice) => {
      const parsed = linkClosingSchema.safeParse(notice);
      if (!parsed.success) return;
      this.reconnectHint = parsed.data.code === 'console-shutdown' ? (parsed.data.reconnect ?? null) : null;
      if (FATAL_REFUSALS.has(parsed.data.code)) {
        socket.removeAllListeners();
        socket.disconnect();
        return this.fail(`The console closed the link: ${parsed.data.message}`, parsed.data);
      }
      this.options.log.warn(`The console is closing the link: ${parsed.data.message}`);
    });
    socket.on('disconnect', (reason) => {
      if (this.healthTimer) clearInterval(this.healthTimer);
      this.healthTimer = null;
      this.retry(`The link to ${addressText} closed (${reason}).`);
    });
  }

  private async applySettings(request: unknown): Promise<LinkAck<SettingsApplied>> {
    const { store, core, log } = this.options;
    return applyPushedSettings({ request, sensorId: this.state?.sensorId ?? '', core, store, log, onApplied: (settings) => this.rememberUploadLimit(settings) });
  }

  /**
   * Keeps the applied upload limit in the state folder for backups after a restart. Written when it differs from
   * what this process last wrote: rewriting it on every push cost each of thousands of simulated sensors a file
   * write and two more validations of the settings. A failed write is a warning; the settings are applied.
   */
  private async rememberUploadLimit(settings: SensorSettings): Promise<void> {
    const bitsPerSecond = settings.uploadBandwidthLimit?.bitsPerSecond ?? null;
    if (bitsPerSecond === this.rememberedUploadLimit) return;
    try {
      await rememberUploadLimit(this.options.store.directory, bitsPerSecond);
      this.rememberedUploadLimit = bitsPerSecond;
    } catch (error) {
      this.options.log.warn(`Could not remember the upload limit: ${(error as Error).message}`);
    }
  }

  /** Runs a backup or restore request and answers it while the same link is up (the console gave up on it otherwise). */
  private onBackupRequest<T>(socket: LinkSocket, ack: unknown, run: (context: BackupRequestContext) => Promise<LinkAck<T>>): void {
    if (typeof ack !== 'function') return this.options.log.warn('Dropped a backup request without an acknowledgement callback.');
    const answer = (reply: LinkAck<T>) => {
      if (socket.connected) (ack as (reply: LinkAck<T>) => void)(reply);
    };
    const state = this.state;
    const address = this.linkedAddress;
    if (!state || !address) return answer(linkError('unavailable', 'The sensor is not linked yet.'));
    const context: BackupRequestContext = { core: this.options.core, state, stateDirectory: this.options.store.directory, address, log: this.options.log, signal: this.transfers.signal };
    run(context).then(answer, (error: unknown) => answer(linkError('internal', `The sensor could not handle the backup request: ${(error as Error).message}`)));
  }

  private retry(message: string): void {
    if (this.stopped) return;
    this.socket?.removeAllListeners();
    this.socket?.disconnect();
    this.socket = null;
    const hint = this.reconnectHint;
    this.reconnectHint = null;
    const delay = hint ? this.backoff.hintedDelayMs(hint) : this.backoff.nextDelayMs();
    this.options.log.warn(`${message} Trying again in ${(delay / 1000).toFixed(1)} s.`);
    this.setStatus({ state: 'waiting', message: `${message} Trying again in ${Math.ceil(delay / 1000)} s.` });
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), delay);
  }

  private async reportHealth(): Promise<void> {
    const socket = this.socket;
    if (!socket?.connected) return;
    let report: HealthReport;
    try {
      const [health, facts] = await Promise.all([this.options.core.health(), this.options.core.facts()]);
      report = {
        ...health,
        versions: { sensorLink: sensorLinkVersion(), core: facts.version, protocol: PROTOCOL_VERSION },
        sensorTime: new Date().toISOString(),
        lastRoundTripMs: this.lastRoundTripMs,
      };
    } catch (error) {
      return this.options.log.warn(`Could not read health from the capture core: ${(error as Error).message}`);
    }
    const sentAt = performance.now();
    try {
      const answer: unknown = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('health:report', report);
      this.lastRoundTripMs = Math.round(performance.now() - sentAt);
      const parsed = healthAnswerSchema.safeParse(answer);
      if (parsed.success && 'error' in parsed.data) this.options.log.warn(`The console refused a health report: ${parsed.data.error.message}`);
    } catch {
      // No acknowledgement in time: the ping timeout will notice a dead link; nothing to do here.
    }
    this.renewIfDue();
  }

  private renewIfDue(): void {
    const state = this.state;
    if (!state || this.renewing) return;
    const renewAt = state.notBefore.getTime() + (state.notAfter.getTime() - state.notBefore.getTime()) * RENEW_AT_FRACTION;
    if (Date.now() < renewAt) return;
    this.renewCertificate().catch((error: unknown) => this.options.log.warn(`Certificate renewal failed; retrying at the next report: ${(error as Error).message}`));
  }
}
