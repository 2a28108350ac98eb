/**
 * Enrolment from a connection string: parse → verify each console address
 * against the pin (the secret goes only to a console that passed) → key pair
 * and CSR → POST /enroll/v1 trusting only the pinned CA → check and store the
 * certificate. `onProgress` receives a sentence per step for the CLI and the
 * local page.
 */
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import https from 'node:https';
import { isIP } from 'node:net';
import os from 'node:os';
import type { CaptureCore } from '../core/capture-core.js';
import { parseConnectionString, formatAddress, type ConsoleAddress } from '../protocol/connection-string.js';
import { ENROLLMENT_PATH, enrollmentErrorSchema, enrollmentResultSchema, sensorNameSchema, type EnrollmentRequest, type EnrollmentResult } from '../protocol/enrollment-messages.js';
import { PROTOCOL_VERSION } from '../protocol/link-protocol.js';
import type { LinkStateStore } from '../state/link-state.js';
import { sensorLinkVersion } from '../version.js';
import { createKeyAndCsr, type KeyAndCsr } from './csr.js';
import { verifyPinnedConsole } from './pinned-console.js';

const REQUEST_TIMEOUT_MS = 30_000;
/** How long a sensor keeps asking a console that answers "busy" before it gives up (each wait is shown). */
const BUSY_DEADLINE_MS = 15 * 60_000;
/** A Retry-After outside 1 s – 10 min is not believed. */
const RETRY_AFTER_S = { fallback: 5, min: 1, max: 600 };

/** The console is enrolling many sensors and refused this request before checking or using anything in it. */
export class ConsoleBusyError extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
    this.name = 'ConsoleBusyError';
  }
}

export interface EnrollOptions {
  connectionString: string;
  /** The sensor's name in the console; the core's suggested name when absent. */
  name?: string;
  store: LinkStateStore;
  core: CaptureCore;
  onProgress?: (sentence: string) => void;
  now?: Date;
  /**
   * Makes the key pair and CSR; createKeyAndCsr (a fresh RSA key) unless set.
   * Only the fleet bench sets it, to share one pre-generated key among
   * thousands of simulated sensors instead of spending minutes generating keys.
   */
  keyFactory?: (commonName: string) => Promise<KeyAndCsr>;
}

function postEnrollment(address: ConsoleAddress, caPem: string, request: EnrollmentRequest): Promise<EnrollmentResult> {
  const body = JSON.stringify(request);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: address.host,
        port: address.port,
        path: ENROLLMENT_PATH,
        method: 'POST',
        ca: caPem,
        ...(isIP(address.host) === 0 ? { servername: address.host } : {}),
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          let json: unknown;
          try {
            json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            reject(new Error(`The console answered the enrolment with HTTP ${res.statusCode} and no readable body.`));
            return;
          }
          const ok = enrollmentResultSchema.safeParse((json as { data?: unknown }).data);
          if (res.statusCode === 200 && ok.success) return resolve(ok.data);
          const refused = enrollmentErrorSchema.safeParse(json);
          if (res.statusCode === 503 && refused.success && refused.data.error.code === 'busy') {
            const header = Number(res.headers['retry-after']);
            const seconds = Number.isFinite(header) ? Math.min(RETRY_AFTER_S.max, Math.max(RETRY_AFTER_S.min, header)) : RETRY_AFTER_S.fallback;
            return reject(new ConsoleBusyError(refused.data.error.message, seconds));
          }
          reject(new Error(refused.success ? `The console refused the enrolment: ${refused.data.error.message}` : `The console answered the enrolment with HTTP ${res.statusCode}.`));
        });
      },
    );
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error('The console did not answer the enrolment in time.')));
    req.on('error', reject);
    req.end(body);
  });
}

/** Posts the enrolment, waiting out "busy" answers (with jitter, so a refused burst does not return as one) until BUSY_DEADLINE_MS. */
async function postUntilAdmitted(address: ConsoleAddress, caPem: string, progress: (sentence: string) => void, request: EnrollmentRequest): Promise<EnrollmentResult> {
  const deadline = Date.now() + BUSY_DEADLINE_MS;
  for (;;) {
    try {
      return await postEnrollment(address, caPem, request);
    } catch (error) {
      if (!(error instanceof ConsoleBusyError) || Date.now() >= deadline) throw error;
      const waitS = error.retryAfterSeconds * (1 + Math.random() / 2);
      progress(`The console is busy enrolling other sensors; trying again in ${waitS.toFixed(1)} s…`);
      await new Promise((resolve) => setTimeout(resolve, waitS * 1000));
    }
  }
}

export async function enroll(options: EnrollOptions): Promise<EnrollmentResult> {
  const progress = options.onProgress ?? (() => undefined);
  const content = parseConnectionString(options.connectionString, options.now ? { now: options.now } : {});
  const facts = await options.core.facts();
  const name = sensorNameSchema.safeParse(options.name ?? facts.name);
  if (!name.success) throw new Error(`"${options.name ?? facts.name}" cannot be a sensor name: ${name.error.issues[0]?.message ?? 'invalid'}.`);

  const problems: string[] = [];
  for (const address of content.addresses) {
    const label = formatAddress(address);
    progress(`Checking the identity of the console at ${label} against the pin in the connection string…`);
    let caPem: string;
    try {
      caPem = await verifyPinnedConsole(address, content.caPin);
    } catch (error) {
      problems.push((error as Error).message);
      // Unreachable, or not the pinned console (PinMismatchError): the secret was not sent; try the next address.
      progress((error as Error).message);
      continue;
    }
    progress('The console is genuine. Creating this sensor\'s key pair (it never leaves the sensor)…');
    const { privateKeyPem, csrPem } = await (options.keyFactory ?? ((commonName) => createKeyAndCsr({ commonName })))(name.data);
    progress(`Sending the enrolment request to ${label}…`);
    const result = await postUntilAdmitted(address, caPem, progress, {
      tokenId: content.tokenId,
      secret: content.secret,
      csrPem,
      facts: {
        name: name.data,
        hostname: os.hostname(),
        versions: { sensorLink: sensorLinkVersion(), core: facts.version, protocol: PROTOCOL_VERSION },
      },
    });
    const certificate = new X509Certificate(result.certificatePem);
    const ca = new X509Certificate(result.caChainPem);
    const ourKey = createPublicKey(createPrivateKey(privateKeyPem)).export({ type: 'spki', format: 'der' });
    if (!certificate.verify(ca.publicKey) || !ca.publicKey.export({ type: 'spki', format: 'der' }).equals(new X509Certificate(caPem).publicKey.export({ type: 'spki', format: 'der' }))) {
      throw new Error('The console returned a certificate that is not signed by the pinned CA; enrolment stopped.');
    }
    if (!certificate.publicKey.export({ type: 'spki', format: 'der' }).equals(ourKey)) {
      throw new Error('The console returned a certificate for another key; enrolment stopped.');
    }
    await options.store.save({
      sensorId: result.sensorId,
      sensorName: result.sensorName,
      consoleAddresses: result.consoleAddresses,
      enrolledAt: new Date().toISOString(),
      privateKeyPem,
      certificatePem: result.certificatePem,
      caPem: result.caChainPem,
    });
    progress(`Enrolled as "${result.sensorName}" (${result.sensorId})${result.reEnrolled ? ', replacing its earlier enrolment' : ''}. The certificate is valid until ${result.notAfter}.`);
    return result;
  }
  throw new Error(`Could not enrol with any console address: ${problems.join(' ')}`);
}
