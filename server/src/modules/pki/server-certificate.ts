/**
 * The console's own TLS server certificate (web console and sensor link),
 * signed by the console CA. It is derived state: at every start it is
 * re-issued when missing or unreadable, when the public host list changed,
 * when another CA signed it, or when fewer than 30 days are left.
 *
 * On disk, under `<dataDir>/pki/`: `server.crt` (PEM, 0644) and
 * `server.key.sealed` (PKCS#8 PEM sealed with SecretBox, context
 * 'pki.server.private-key', 0600). Issuing runs under `server.lock` so two
 * processes cannot pair one's certificate with the other's key.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { AppError, type FieldProblem } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import {
  PRIVATE_FILE_MODE,
  PUBLIC_FILE_MODE,
  ensurePrivateDirectory,
  readFileIfExists,
  withLockFile,
  writeFileAtomic,
} from '../../platform/secrets/private-file.js';
import type { SecretBox } from '../../platform/secrets/secret-box.js';
import { generateRsaKeyPair, ipAddressBytes, issueCertificate, type SubjectAltName } from './certificate-builder.js';
import { pkiDirectory, type ConsoleCa } from './console-ca.js';

export const SERVER_KEY_CONTEXT = 'pki.server.private-key';
/** The longest lifetime browsers accept for a TLS server certificate. */
const SERVER_LIFETIME_DAYS = 397;
const RENEW_BEFORE_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Always present so local tools, health checks and the CLI can connect by loopback. */
const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '::1'];

const DNS_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

const hostSchema = z
  .string()
  .trim()
  .toLowerCase()
  .transform((host) => host.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, ''))
  .refine((host) => isIP(host) !== 0 || DNS_NAME.test(host), 'Not an IP address or DNS name');

export interface ServerCertificateOptions {
  dataDir: string;
  ca: ConsoleCa;
  /** The addresses browsers and sensors use to reach the console (IP literals or DNS names). */
  hosts: string[];
  secretBox: SecretBox;
  logger: Logger;
}

export interface ServerCertificate {
  certificatePem: string;
  privateKeyPem: string;
  /**
   * The server certificate followed by the CA certificate: pass it as `cert` to
   * `https.createServer`. The CA is included on purpose: an enrolling sensor
   * knows only the CA's public-key pin, so it needs the CA certificate from the
   * handshake to check the pin and the server certificate's signature.
   */
  chainPem: string;
  certificate: X509Certificate;
}

function parseHosts(hosts: string[]): string[] {
  const problems: FieldProblem[] = [];
  const parsed: string[] = [];
  hosts.forEach((host, index) => {
    const result = hostSchema.safeParse(host);
    if (result.success) parsed.push(result.data);
    else problems.push({ path: `hosts.${index}`, message: `"${host}" is not an IP address or DNS name` });
  });
  if (problems.length > 0) {
    throw new AppError(
      'validation_failed',
      `The public host list has entries that are neither IP addresses nor DNS names: ${problems.map((p) => p.path).join(', ')}.`,
      problems,
    );
  }
  return parsed;
}

/** A comparable key per name: DNS names by lower-case text, IP addresses by their bytes. */
function altNameKey(name: SubjectAltName): string {
  if (name.type === 'ip') return `ip:${ipAddressBytes(name.value)?.toString('hex') ?? name.value}`;
  return `${name.type}:${name.value.toLowerCase()}`;
}

function expectedAltNames(hosts: string[]): SubjectAltName[] {
  const names = new Map<string, SubjectAltName>();
  for (const host of [...parseHosts(hosts), ...LOOPBACK_HOSTS]) {
    const name: SubjectAltName = isIP(host) !== 0 ? { type: 'ip', value: host } : { type: 'dns', value: host };
    names.set(altNameKey(name), name);
  }
  return [...names.values()];
}

/** The SAN entries of an existing certificate as keys; anything other than DNS and IP forces a re-issue. */
function presentAltNameKeys(certificate: X509Certificate): Set<string> {
  const keys = new Set<string>();
  for (const entry of (certificate.subjectAltName ?? '').split(', ').filter((item) => item !== '')) {
    if (entry.startsWith('DNS:')) keys.add(altNameKey({ type: 'dns', value: entry.slice(4) }));
    else if (entry.startsWith('IP Address:')) keys.add(altNameKey({ type: 'ip', value: entry.slice(11) }));
    else keys.add(`other:${entry}`);
  }
  return keys;
}

function sameKeys(left: Set<string>, right: Set<string>): boolean {
  return left.size === right.size && [...left].every((key) => right.has(key));
}

interface StoredServerCertificate {
  certificatePem: string;
  certificate: X509Certificate;
  privateKey: KeyObject;
}

type StoredState = { stored: StoredServerCertificate } | { problem: string };

async function readStored(directory: string, secretBox: SecretBox): Promise<StoredState> {
  const [certificateFile, sealedKeyFile] = await Promise.all([
    readFileIfExists(path.join(directory, 'server.crt')),
    readFileIfExists(path.join(directory, 'server.key.sealed')),
  ]);
  if (certificateFile === null || sealedKeyFile === null) return { problem: 'it does not exist yet' };
  try {
    const certificatePem = certificateFile.toString('utf8');
    const certificate = new X509Certificate(certificatePem);
    const privateKey = createPrivateKey(secretBox.openText(sealedKeyFile.toString('utf8'), SERVER_KEY_CONTEXT));
    return { stored: { certificatePem, certificate, privateKey } };
  } catch (error) {
    return { problem: `it cannot be read (${error instanceof Error ? error.message : String(error)})` };
  }
}

/** Why the stored certificate must be replaced, or null when it is fine. */
function reissueReason(state: StoredState, ca: ConsoleCa, expected: SubjectAltName[]): string | null {
  if ('problem' in state) return state.problem;
  const { certificate, privateKey } = state.stored;
  if (certificate.issuer !== ca.certificate.subject || !certificate.verify(ca.publicKey)) {
    return 'it was issued by another CA';
  }
  if (!certificate.checkPrivateKey(privateKey)) return 'its private key does not match it';
  if (Date.parse(certificate.validTo) - Date.now() < RENEW_BEFORE_DAYS * DAY_MS) {
    return `it expires within ${RENEW_BEFORE_DAYS} days`;
  }
  if (!sameKeys(presentAltNameKeys(certificate), new Set(expected.map(altNameKey)))) {
    return 'the public host list changed';
  }
  return null;
}

function toServerCertificate(stored: StoredServerCertificate, ca: ConsoleCa): ServerCertificate {
  const privateKeyPem = stored.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return {
    certificatePem: stored.certificatePem,
    privateKeyPem,
    chainPem: `${stored.certificatePem.trimEnd()}\n${ca.certificatePem.trimEnd()}\n`,
    certificate: stored.certificate,
  };
}

/**
 * Returns the console's TLS server certificate, issuing a new one (RSA 2048,
 * serverAuth, ~397 days, SANs = hosts + loopback) when the stored one is
 * missing, unreadable, from another CA, for other hosts or about to expire.
 */
export async function loadOrIssueServerCertificate(options: ServerCertificateOptions): Promise<ServerCertificate> {
  const { dataDir, ca, secretBox, logger } = options;
  const directory = pkiDirectory(dataDir);
  const expected = expectedAltNames(options.hosts);
  await ensurePrivateDirectory(directory);

  const found = await readStored(directory, secretBox);
  if (reissueReason(found, ca, expected) === null && 'stored' in found) return toServerCertificate(found.stored, ca);

  return withLockFile(path.join(directory, 'server.lock'), async () => {
    // Another process may have issued a suitable one while we waited for the lock.
    const current = await readStored(directory, secretBox);
    const reason = reissueReason(current, ca, expected);
    if (reason === null && 'stored' in current) return toServerCertificate(current.stored, ca);

    const startedAt = performance.now();
    const { publicKey, privateKey } = await generateRsaKeyPair(2048);
    const { pem, certificate } = await issueCertificate({
      subject: [{ name: 'commonName', value: 'Garrison Console' }],
      publicKey,
      usage: 'tls-server',
      subjectAltNames: expected,
      lifetimeDays: SERVER_LIFETIME_DAYS,
      issuer: ca,
    });
    const sealedKey = secretBox.seal(privateKey.export({ type: 'pkcs8', format: 'pem' }), SERVER_KEY_CONTEXT);
    await writeFileAtomic(path.join(directory, 'server.key.sealed'), `${sealedKey}\n`, PRIVATE_FILE_MODE);
    await writeFileAtomic(path.join(directory, 'server.crt'), pem, PUBLIC_FILE_MODE);
    logger.info(
      {
        reason,
        hosts: expected.map((name) => name.value),
        serialNumber: certificate.serialNumber,
        notAfter: certificate.validTo,
        durationMs: Math.round(performance.now() - startedAt),
      },
      'Issued the console TLS server certificate',
    );
    return toServerCertificate({ certificatePem: pem, certificate, privateKey }, ca);
  });
}
