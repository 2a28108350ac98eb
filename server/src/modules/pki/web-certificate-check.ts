/**
 * Checks an uploaded web certificate before the console serves it, and refuses
 * it with a reason naming the field when:
 *   - the certificate or the chain is not PEM, or the key cannot be read (wrong
 *     or missing passphrase included);
 *   - the key is weak: RSA under 2048 bits, or an elliptic curve other than
 *     P-256, P-384 or P-521 (the curves browsers accept for TLS);
 *   - the key does not belong to the certificate;
 *   - the certificate is expired or not yet valid;
 *   - the chain does not verify: every chain certificate must be a valid CA
 *     certificate that signed the one before it, in order, starting with the
 *     uploaded certificate. The last one may be a root or an intermediate
 *     whose root browsers already trust.
 * Nothing here touches disk or the network.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { AppError, type FieldProblem } from '../../platform/errors.js';

export const MIN_RSA_BITS = 2048;
export const ACCEPTED_CURVES: ReadonlySet<string> = new Set(['prime256v1', 'secp384r1', 'secp521r1']);

export interface WebCertificateUpload {
  certificatePem: string;
  privateKeyPem: string;
  chainPem: string | null;
  passphrase: string | null;
}

export interface CheckedWebCertificate {
  certificate: X509Certificate;
  /** The server certificate followed by the chain, in order: what `cert` gets. */
  fullChainPem: string;
  chain: X509Certificate[];
  privateKey: KeyObject;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function refuse(path: string, message: string): never {
  const problems: FieldProblem[] = [{ path, message }];
  throw new AppError('validation_failed', `The web certificate was refused: ${message}`, { problems });
}

function parseCertificates(pem: string, path: string): X509Certificate[] {
  const blocks = pem.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) refuse(path, `${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----).`);
  return blocks.map((block, index) => {
    try {
      return new X509Certificate(block);
    } catch {
      return refuse(path, `PEM block ${index + 1} of ${path} is not a readable X.509 certificate.`);
    }
  });
}

function readPrivateKey(upload: WebCertificateUpload): KeyObject {
  try {
    return createPrivateKey({ key: upload.privateKeyPem, format: 'pem', ...(upload.passphrase ? { passphrase: upload.passphrase } : {}) });
  } catch (error) {
    const encrypted = /ENCRYPTED/.test(upload.privateKeyPem);
    if (encrypted) {
      return refuse('passphrase', upload.passphrase ? 'the passphrase does not open the private key.' : 'the private key is encrypted: give its passphrase.');
    }
    return refuse('privateKey', `the private key cannot be read (${(error as Error).message}); give a PEM private key.`);
  }
}

/** Why a key is too weak, or null. */
export function keyWeakness(key: KeyObject): string | null {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss': {
      const bits = details.modulusLength ?? 0;
      return bits < MIN_RSA_BITS ? `the RSA key has ${bits} bits; at least ${MIN_RSA_BITS} are required.` : null;
    }
    case 'ec': {
      const curve = details.namedCurve ?? 'unknown';
      return ACCEPTED_CURVES.has(curve) ? null : `the elliptic curve ${curve} is not accepted; use P-256, P-384 or P-521.`;
    }
    default:
      return `${key.asymmetricKeyType ?? 'this'} keys are not accepted for the web certificate; use RSA (2048 bits or more) or ECDSA (P-256, P-384, P-521).`;
  }
}

function validityProblem(certificate: X509Certificate, what: string, now: Date): string | null {
  const notBefore = new Date(certificate.validFrom);
  const notAfter = new Date(certificate.validTo);
  if (notAfter.getTime() < now.getTime()) return `${what} expired on ${notAfter.toISOString()}.`;
  if (notBefore.getTime() > now.getTime()) return `${what} is not valid before ${notBefore.toISOString()}.`;
  return null;
}

function verifyChain(certificate: X509Certificate, chain: X509Certificate[], now: Date): void {
  let child = certificate;
  chain.forEach((issuer, index) => {
    const name = `chain certificate ${index + 1} (${issuer.subject.replace(/\n/g, ', ')})`;
    if (!issuer.ca) refuse('chain', `the chain does not verify: ${name} is not a CA certificate.`);
    if (!child.checkIssued(issuer) || !child.verify(issuer.publicKey)) {
      refuse('chain', `the chain does not verify: ${name} did not sign ${index === 0 ? 'the certificate' : `chain certificate ${index}`}; give the chain in order, issuer after issued.`);
    }
    const expired = validityProblem(issuer, name, now);
    if (expired) refuse('chain', `the chain does not verify: ${expired}`);
    child = issuer;
  });
}

export function checkWebCertificate(upload: WebCertificateUpload, now = new Date()): CheckedWebCertificate {
  // A "full chain" file in the certificate field is common: its extra blocks are the chain.
  const [certificate, ...bundled] = parseCertificates(upload.certificatePem, 'certificate');
  if (!certificate) return refuse('certificate', 'certificate holds no PEM certificate.');
  const chain = [...bundled, ...(upload.chainPem ? parseCertificates(upload.chainPem, 'chain') : [])];
  const privateKey = readPrivateKey(upload);

  const weakness = keyWeakness(privateKey);
  if (weakness) refuse('privateKey', weakness);
  if (!certificate.checkPrivateKey(privateKey)) refuse('privateKey', 'the private key does not match the certificate.');
  const invalid = validityProblem(certificate, 'the certificate', now);
  if (invalid) refuse('certificate', invalid);
  verifyChain(certificate, chain, now);

  const fullChainPem = [certificate, ...chain].map((entry) => entry.toString().trimEnd()).join('\n') + '\n';
  return { certificate, fullChainPem, chain, privateKey };
}
