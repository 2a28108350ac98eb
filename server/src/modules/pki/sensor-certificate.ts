/**
 * Sensor client certificates. A sensor sends a PKCS#10 CSR at enrolment and
 * at renewal; the console keeps only the CSR's public key and proof of
 * possession. Everything the CSR asks for (subject, extensions) is ignored:
 * identity comes from the console's own sensor id, bound as
 *   subject  CN=<sensorId>, O=Garrison Sensors
 *   SAN      URI urn:garrison:sensor:<sensorId>
 *   EKU      clientAuth only, not a CA
 * The CSR is untrusted input: it is parsed with a strict DER reader and every
 * problem is an AppError with a sentence the sensor operator can act on.
 */
import { X509Certificate, createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import forge from 'node-forge';
import { z } from 'zod';
import { AppError } from '../../platform/errors.js';
import {
  derChildren,
  issueCertificate,
  readDerElement,
  type CertificateIssuer,
  type DerElement,
} from './certificate-builder.js';

export const SENSOR_ORGANIZATION = 'Garrison Sensors';
export const SENSOR_URI_PREFIX = 'urn:garrison:sensor:';
const MIN_RSA_BITS = 2048;
/** Bigger keys only cost handshake CPU on both ends; nothing needs them. */
const MAX_RSA_BITS = 8192;
const MAX_CSR_PEM_CHARS = 16 * 1024;
const CSR_PEM_BLOCK = /-----BEGIN (NEW )?CERTIFICATE REQUEST-----([A-Za-z0-9+/=\s]+)-----END (NEW )?CERTIFICATE REQUEST-----/;

/**
 * Sensor ids are console-assigned; the character set keeps them unambiguous
 * inside a URI, a subject and Node's comma-separated subjectAltName string.
 */
export const sensorIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'A sensor id is 1-64 letters, digits, dots, dashes or underscores');

const signSensorCsrSchema = z.object({
  csrPem: z.string(),
  sensorId: sensorIdSchema,
  validityDays: z.number().int().min(1).max(825).default(90),
});

/** Signature algorithms accepted on a CSR, keyed by the hex of the OID's DER content. */
const CSR_SIGNATURE_HASHES = new Map<string, string>(
  [
    ['1.2.840.113549.1.1.11', 'sha256'],
    ['1.2.840.113549.1.1.12', 'sha384'],
    ['1.2.840.113549.1.1.13', 'sha512'],
  ].map(([oid = '', hash = '']) => [Buffer.from(forge.asn1.oidToDer(oid).getBytes(), 'binary').toString('hex'), hash]),
);

const TAG_INTEGER = 0x02;
const TAG_SEQUENCE = 0x30;
const TAG_BIT_STRING = 0x03;
const TAG_OID = 0x06;

export interface SignSensorCsrOptions {
  ca: CertificateIssuer;
  csrPem: string;
  sensorId: string;
  /** Lifetime from now; the sensor renews at two thirds of it. */
  validityDays?: number;
}

export interface SignedSensorCertificate {
  certificatePem: string;
  /** Upper-case hex, as `X509Certificate.serialNumber` and `tls` peer certificates report it. */
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  /** SHA-256 of the certificate DER, colon-separated upper-case hex (`X509Certificate.fingerprint256`). */
  fingerprint256: string;
}

function csrProblem(message: string): AppError {
  return new AppError('validation_failed', message, [{ path: 'csr', message }]);
}

interface ParsedCsr {
  /** The exact signed bytes (CertificationRequestInfo). */
  signedPart: Buffer;
  publicKey: KeyObject;
  /** DER content of the signature algorithm OID. */
  algorithmOid: Buffer;
  signature: Buffer;
}

function decodeCsrPem(csrPem: string): Buffer {
  if (csrPem.length > MAX_CSR_PEM_CHARS) {
    throw csrProblem(
      `The certificate signing request is larger than ${MAX_CSR_PEM_CHARS / 1024} KiB; send a PKCS#10 request in PEM.`,
    );
  }
  const body = CSR_PEM_BLOCK.exec(csrPem)?.[2]?.replace(/\s+/g, '');
  if (body === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(body)) {
    throw csrProblem('The certificate signing request is not PEM: expected a "-----BEGIN CERTIFICATE REQUEST-----" block.');
  }
  return Buffer.from(body, 'base64');
}

function expectTag(element: DerElement | undefined, tag: number): DerElement {
  if (element === undefined || element.tag !== tag) throw new Error('unexpected structure');
  return element;
}

function parseCsr(csrPem: string): ParsedCsr {
  const der = decodeCsrPem(csrPem);
  let signedPart: Buffer;
  let spki: Buffer;
  let algorithmOid: Buffer;
  let signatureBits: Buffer;
  try {
    const outer = readDerElement(der);
    if (outer.end !== der.length) throw new Error('trailing bytes');
    const [info, algorithm, signature, ...rest] = derChildren(expectTag(outer, TAG_SEQUENCE));
    if (rest.length > 0) throw new Error('unexpected structure');
    signedPart = expectTag(info, TAG_SEQUENCE).der;
    const [version, subject, publicKeyInfo] = derChildren(expectTag(info, TAG_SEQUENCE));
    if (expectTag(version, TAG_INTEGER).content.toString('hex') !== '00') throw new Error('not a version 1 request');
    expectTag(subject, TAG_SEQUENCE);
    spki = expectTag(publicKeyInfo, TAG_SEQUENCE).der;
    algorithmOid = expectTag(derChildren(expectTag(algorithm, TAG_SEQUENCE))[0], TAG_OID).content;
    signatureBits = expectTag(signature, TAG_BIT_STRING).content;
  } catch (error) {
    const detail = error instanceof Error ? error.message : 'unreadable';
    throw csrProblem(`The certificate signing request is not a well-formed PKCS#10 request (${detail}).`);
  }
  if (signatureBits[0] !== 0) throw csrProblem('The certificate signing request has a malformed signature.');
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  } catch {
    throw csrProblem('The public key in the certificate signing request cannot be read.');
  }
  return { signedPart, publicKey, algorithmOid, signature: signatureBits.subarray(1) };
}

function checkKey(publicKey: KeyObject): void {
  if (publicKey.asymmetricKeyType !== 'rsa') {
    throw csrProblem(
      `The certificate signing request's key is ${publicKey.asymmetricKeyType?.toUpperCase() ?? 'of an unknown type'}; ` +
        `Garrison sensor certificates need an RSA key of ${MIN_RSA_BITS} bits or more.`,
    );
  }
  const bits = publicKey.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS) {
    throw csrProblem(
      `The certificate signing request has a ${bits}-bit RSA key; Garrison needs at least ${MIN_RSA_BITS} bits. ` +
        'Generate a new key pair and request again.',
    );
  }
  if (bits > MAX_RSA_BITS) {
    throw csrProblem(
      `The certificate signing request has a ${bits}-bit RSA key; Garrison accepts at most ${MAX_RSA_BITS} bits.`,
    );
  }
}

/**
 * Signs a sensor's CSR as a client certificate bound to `sensorId`, after
 * checking the CSR's self-signature (proof that the sensor holds the key) and
 * its key size.
 */
export async function signSensorCsr(options: SignSensorCsrOptions): Promise<SignedSensorCertificate> {
  const input = signSensorCsrSchema.safeParse(options);
  if (!input.success) {
    const problems = input.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
    const summary = problems.map((problem) => `${problem.path}: ${problem.message}`).join('; ');
    throw new AppError('validation_failed', `Cannot sign the sensor certificate: ${summary}.`, problems);
  }
  const { csrPem, sensorId, validityDays } = input.data;

  const csr = parseCsr(csrPem);
  checkKey(csr.publicKey);
  const hash = CSR_SIGNATURE_HASHES.get(csr.algorithmOid.toString('hex'));
  if (hash === undefined) {
    throw csrProblem('The certificate signing request must be signed with RSA and SHA-256, SHA-384 or SHA-512.');
  }
  if (!verify(hash, csr.signedPart, csr.publicKey, csr.signature)) {
    throw csrProblem(
      "The certificate signing request's signature does not match its public key; it was altered or built incorrectly.",
    );
  }

  const { pem, certificate } = await issueCertificate({
    subject: [
      { name: 'commonName', value: sensorId },
      { name: 'organizationName', value: SENSOR_ORGANIZATION },
    ],
    publicKey: csr.publicKey,
    usage: 'tls-client',
    subjectAltNames: [{ type: 'uri', value: `${SENSOR_URI_PREFIX}${sensorId}` }],
    lifetimeDays: validityDays,
    issuer: options.ca,
  });
  return {
    certificatePem: pem,
    serialNumber: certificate.serialNumber,
    notBefore: new Date(certificate.validFrom),
    notAfter: new Date(certificate.validTo),
    fingerprint256: certificate.fingerprint256,
  };
}

function commonNameOf(certificate: X509Certificate | PeerCertificate): string | undefined {
  if (certificate instanceof X509Certificate) {
    const line = certificate.subject.split('\n').find((entry) => entry.startsWith('CN='));
    return line?.slice(3);
  }
  const commonName: unknown = certificate.subject?.CN;
  return typeof commonName === 'string' ? commonName : undefined;
}

/**
 * The sensor id a certificate was issued for, or null when it is not a sensor
 * certificate (no single `urn:garrison:sensor:` URI, or a subject CN that
 * disagrees). It does not check the chain: call it on a certificate the TLS
 * handshake already verified against the console CA.
 */
export function sensorIdFromCertificate(certificate: X509Certificate | PeerCertificate): string | null {
  const subjectAltName = certificate instanceof X509Certificate ? certificate.subjectAltName : certificate.subjectaltname;
  if (typeof subjectAltName !== 'string') return null;
  const sensorIds = subjectAltName
    .split(', ')
    .filter((entry) => entry.startsWith(`URI:${SENSOR_URI_PREFIX}`))
    .map((entry) => entry.slice(`URI:${SENSOR_URI_PREFIX}`.length));
  const [sensorId] = sensorIds;
  if (sensorIds.length !== 1 || sensorId === undefined || !sensorIdSchema.safeParse(sensorId).success) return null;
  return commonNameOf(certificate) === sensorId ? sensorId : null;
}
