/**
 * The console CA: the root every sensor pins and every link certificate chains
 * to. It is created once, at first start, and then only ever loaded: replacing
 * it would orphan every enrolled sensor, so a half-present CA (one of the two
 * files missing) stops the start with instructions instead of being replaced.
 *
 * On disk, under `<dataDir>/pki/` (directory 0700):
 *   ca.crt          the certificate, PEM (0644)
 *   ca.key.sealed   the private key (PKCS#8 PEM) sealed with SecretBox, context 'pki.ca.private-key' (0600)
 *
 * Two processes starting at once on one data directory create one CA: creation
 * runs under `ca.lock`, and the key is committed with an exclusive link so a
 * second key can never replace the first.
 */
import { X509Certificate, createHash, createPrivateKey, randomBytes, type KeyObject } from 'node:crypto';
import { unlink } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import {
  PRIVATE_FILE_MODE,
  PUBLIC_FILE_MODE,
  createFileExclusive,
  ensurePrivateDirectory,
  readFileIfExists,
  withLockFile,
  writeFileAtomic,
} from '../../platform/secrets/private-file.js';
import type { SecretBox } from '../../platform/secrets/secret-box.js';
import {
  generateRsaKeyPair,
  issueCertificate,
  issuerFromCertificate,
  keyIdentifier,
  type CertificateIssuer,
} from './certificate-builder.js';

export const CA_KEY_CONTEXT = 'pki.ca.private-key';
const CA_KEY_BITS = 3072;
const CA_LIFETIME_DAYS = 3653;
/** Warn at start when the CA has less than this left: renewing a root means re-enrolling sensors. */
const CA_EXPIRY_WARNING_DAYS = 365;

export interface ConsoleCa extends CertificateIssuer {
  certificatePem: string;
  certificate: X509Certificate;
  privateKey: KeyObject;
  /**
   * SHA-256 of the CA's SubjectPublicKeyInfo (DER), base64url without padding
   * (43 characters). Connection strings carry it; a sensor computes the same
   * over the CA certificate the console presents before trusting it. It equals
   * `openssl x509 -pubkey -noout | openssl pkey -pubin -outform DER | openssl dgst -sha256 -binary | basenc --base64url`
   * with the trailing `=` removed.
   */
  publicKeyPin: string;
  /** Upper-case hex, as `X509Certificate.serialNumber` and `tls` peer certificates report it. */
  serialNumber: string;
}

export interface ConsoleCaOptions {
  dataDir: string;
  secretBox: SecretBox;
  logger: Logger;
}

export function pkiDirectory(dataDir: string): string {
  return path.join(dataDir, 'pki');
}

/** The pin of a certificate's public key; see `ConsoleCa.publicKeyPin` for the encoding. */
export function publicKeyPinOf(certificate: X509Certificate): string {
  const spki = certificate.publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64url');
}

interface CaPaths {
  directory: string;
  certificate: string;
  sealedKey: string;
  lock: string;
}

function caPaths(dataDir: string): CaPaths {
  const directory = pkiDirectory(dataDir);
  return {
    directory,
    certificate: path.join(directory, 'ca.crt'),
    sealedKey: path.join(directory, 'ca.key.sealed'),
    lock: path.join(directory, 'ca.lock'),
  };
}

function consoleCaFrom(certificatePem: string, privateKey: KeyObject): ConsoleCa {
  const certificate = new X509Certificate(certificatePem);
  return {
    ...issuerFromCertificate(certificatePem, privateKey),
    certificatePem,
    certificate,
    privateKey,
    publicKeyPin: publicKeyPinOf(certificate),
    serialNumber: certificate.serialNumber,
  };
}

function openCa(paths: CaPaths, certificatePem: string, sealedKey: string, secretBox: SecretBox): ConsoleCa {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(certificatePem);
  } catch (error) {
    throw new AppError('internal', `${paths.certificate} is not a PEM certificate; restore it from a backup.`, undefined, {
      cause: error,
    });
  }
  if (!certificate.ca) {
    throw new AppError('internal', `${paths.certificate} is not a CA certificate; restore the console CA from a backup.`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(secretBox.openText(sealedKey, CA_KEY_CONTEXT));
  } catch (error) {
    const reason = error instanceof AppError ? error.message : 'it does not hold a private key';
    throw new AppError(
      'internal',
      `The console CA key in ${paths.sealedKey} cannot be opened: ${reason}`,
      undefined,
      { cause: error },
    );
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new AppError(
      'internal',
      `${paths.sealedKey} does not hold the key of ${paths.certificate}; restore both files from the same backup.`,
    );
  }
  return consoleCaFrom(certificatePem, privateKey);
}

async function readCaFiles(paths: CaPaths): Promise<{ certificatePem: string | null; sealedKey: string | null }> {
  const [certificate, sealedKey] = await Promise.all([
    readFileIfExists(paths.certificate),
    readFileIfExists(paths.sealedKey),
  ]);
  return { certificatePem: certificate?.toString('utf8') ?? null, sealedKey: sealedKey?.toString('utf8') ?? null };
}

function halfPresentError(paths: CaPaths, present: string, missing: string): AppError {
  return new AppError(
    'internal',
    `Found ${present} but not ${missing}: the console CA is incomplete (an interrupted first start, or a deleted file). ` +
      `Restore ${missing} from a backup. Only if no sensor has enrolled yet, delete ${present} to create a new CA.`,
  );
}

async function createCa(paths: CaPaths, secretBox: SecretBox): Promise<{ certificatePem: string; sealedKey: string }> {
  const { publicKey, privateKey } = await generateRsaKeyPair(CA_KEY_BITS);
  const subject = [{ name: 'commonName', value: `Garrison Console CA ${randomBytes(4).toString('hex')}` }];
  const { pem } = await issueCertificate({
    subject,
    publicKey,
    usage: 'certificate-authority',
    lifetimeDays: CA_LIFETIME_DAYS,
    issuer: { subjectAttributes: subject, keyIdentifier: keyIdentifier(publicKey), privateKey, publicKey },
  });
  const sealedKey = secretBox.seal(privateKey.export({ type: 'pkcs8', format: 'pem' }), CA_KEY_CONTEXT);
  // The key is the commit point: only one creator can link it into place. The
  // certificate follows; a reader that sees both files sees a complete CA.
  if (!(await createFileExclusive(paths.sealedKey, `${sealedKey}\n`, PRIVATE_FILE_MODE))) {
    throw new AppError(
      'conflict',
      `Another process created ${paths.sealedKey} while this one was creating the console CA; start again to load it.`,
    );
  }
  try {
    await writeFileAtomic(paths.certificate, pem, PUBLIC_FILE_MODE);
  } catch (error) {
    await unlink(paths.sealedKey).catch(() => undefined);
    throw error;
  }
  return { certificatePem: pem, sealedKey };
}

function warnIfExpiring(ca: ConsoleCa, logger: Logger): void {
  const remainingDays = (Date.parse(ca.certificate.validTo) - Date.now()) / (24 * 60 * 60 * 1000);
  if (remainingDays < CA_EXPIRY_WARNING_DAYS) {
    logger.warn(
      { notAfter: ca.certificate.validTo, remainingDays: Math.floor(remainingDays) },
      'The console CA expires soon; plan a CA rollover and sensor re-enrolment',
    );
  }
}

/**
 * Loads the console CA from `<dataDir>/pki/`, creating it at first start.
 * Fails with an actionable message when the files are incomplete, unreadable,
 * or sealed with another master key.
 */
export async function loadOrCreateConsoleCa(options: ConsoleCaOptions): Promise<ConsoleCa> {
  const { dataDir, secretBox, logger } = options;
  const paths = caPaths(dataDir);
  await ensurePrivateDirectory(paths.directory);

  const found = await readCaFiles(paths);
  if (found.certificatePem !== null && found.sealedKey !== null) {
    const ca = openCa(paths, found.certificatePem, found.sealedKey, secretBox);
    warnIfExpiring(ca, logger);
    return ca;
  }

  return withLockFile(paths.lock, async () => {
    // Another process may have finished creating it while we waited for the lock.
    const current = await readCaFiles(paths);
    if (current.certificatePem !== null && current.sealedKey !== null) {
      return openCa(paths, current.certificatePem, current.sealedKey, secretBox);
    }
    if (current.certificatePem !== null) throw halfPresentError(paths, paths.certificate, paths.sealedKey);
    if (current.sealedKey !== null) throw halfPresentError(paths, paths.sealedKey, paths.certificate);

    const startedAt = performance.now();
    const created = await createCa(paths, secretBox);
    const ca = openCa(paths, created.certificatePem, created.sealedKey, secretBox);
    logger.info(
      {
        subject: ca.certificate.subject,
        serialNumber: ca.serialNumber,
        publicKeyPin: ca.publicKeyPin,
        notAfter: ca.certificate.validTo,
        certificateFile: paths.certificate,
        durationMs: Math.round(performance.now() - startedAt),
      },
      'Created the console CA',
    );
    return ca;
  });
}
