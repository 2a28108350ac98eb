/**
 * The one place that builds and signs X.509 material for the console CA, the
 * console's TLS server certificate and sensor client certificates (and the
 * ASN.1 pieces the CRL shares): key generation, serial numbers, back-dating,
 * extension profiles, signing.
 *
 * node-forge assembles the structures (RSA only), but its own RSA signing is
 * pure JavaScript (~50 ms); we sign forge's DER TBSCertificate with Node's
 * `crypto.sign` instead (a few ms, off the event loop in libuv's pool) and
 * check every result with `X509Certificate.verify` before handing it out.
 */
import { X509Certificate, createHash, generateKeyPair, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { promisify } from 'node:util';
import forge from 'node-forge';
import { AppError } from '../../platform/errors.js';

/** `getTBSCertificate` exists in node-forge 1.x but is missing from @types/node-forge. */
const forgePki = forge.pki as typeof forge.pki & {
  getTBSCertificate(certificate: forge.pki.Certificate): forge.asn1.Asn1;
};

export const SHA256_WITH_RSA_OID = '1.2.840.113549.1.1.11';
/** Issued certificates start this long before "now", so a peer whose clock is a little behind accepts them. */
export const BACKDATE_MS = 5 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

const generateKeyPairAsync = promisify(generateKeyPair);

/** An RSA key pair, generated in libuv's thread pool (hundreds of ms for 3072 bits). */
export async function generateRsaKeyPair(
  modulusLength: 2048 | 3072 | 4096,
): Promise<{ publicKey: KeyObject; privateKey: KeyObject }> {
  return generateKeyPairAsync('rsa', { modulusLength, publicExponent: 0x10001 });
}

/** Forge strings are "binary" strings, one character per byte. */
export function toForgeBytes(buffer: Buffer): string {
  return buffer.toString('binary');
}

export function fromForgeBytes(bytes: string): Buffer {
  return Buffer.from(bytes, 'binary');
}

/**
 * A fresh serial: 128 random bits, as the hex content of a DER INTEGER. The
 * first byte is never zero (so the encoding is minimal) and a 00 byte is
 * prefixed when the top bit is set (so the number is positive).
 */
export function randomSerialNumber(): string {
  const bytes = randomBytes(16);
  while (bytes[0] === 0) bytes[0] = randomBytes(1)[0] ?? 1;
  const hex = bytes.toString('hex');
  return (bytes[0] ?? 0) >= 0x80 ? `00${hex}` : hex;
}

/** Minimal DER INTEGER content for a non-negative number given in hex (any case, any leading zeros). */
export function positiveIntegerBytes(hex: string): Buffer {
  const value = BigInt(`0x${hex}`);
  let digits = value.toString(16);
  if (digits.length % 2 === 1) digits = `0${digits}`;
  const bytes = Buffer.from(digits, 'hex');
  return (bytes[0] ?? 0) >= 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits (the PKCS#1 RSAPublicKey). */
export function keyIdentifier(publicKey: KeyObject): Buffer {
  return createHash('sha1').update(publicKey.export({ type: 'pkcs1', format: 'der' })).digest();
}

function forgePublicKey(publicKey: KeyObject): forge.pki.rsa.PublicKey {
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return forge.pki.publicKeyFromAsn1(forge.asn1.fromDer(toForgeBytes(spki)));
}

export type SubjectAltName = { type: 'dns'; value: string } | { type: 'ip'; value: string } | { type: 'uri'; value: string };

/** The 4 or 16 address bytes of an IPv4 or IPv6 literal, or null when it is not one. */
export function ipAddressBytes(text: string): Buffer | null {
  const version = isIP(text);
  if (version === 4) return Buffer.from(text.split('.').map(Number));
  if (version !== 6 || text.includes('%')) return null;
  // The URL parser canonicalises IPv6 (compressed, hex only, no dotted tail), which keeps the expansion simple.
  const canonical = new URL(`http://[${text}]`).hostname.slice(1, -1);
  const [head = '', tail] = canonical.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? 0 : 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(zeros).fill('0'), ...tailGroups];
  const bytes = Buffer.alloc(16);
  groups.forEach((group, index) => bytes.writeUInt16BE(Number.parseInt(group, 16), index * 2));
  return bytes;
}

/** What a certificate is for; each usage fixes basicConstraints, keyUsage and extKeyUsage. */
export type CertificateUsage = 'certificate-authority' | 'tls-server' | 'tls-client';

type ForgeExtension = Record<string, unknown>;

function usageExtensions(usage: CertificateUsage): ForgeExtension[] {
  switch (usage) {
    case 'certificate-authority':
      // pathLen 0: the console CA signs end-entity certificates only, never another CA.
      return [
        { name: 'basicConstraints', critical: true, cA: true, pathLenConstraint: 0 },
        { name: 'keyUsage', critical: true, keyCertSign: true, cRLSign: true },
      ];
    case 'tls-server':
      return [
        { name: 'basicConstraints', critical: true, cA: false },
        { name: 'keyUsage', critical: true, digitalSignature: true, keyEncipherment: true },
        { name: 'extKeyUsage', serverAuth: true },
      ];
    case 'tls-client':
      return [
        { name: 'basicConstraints', critical: true, cA: false },
        { name: 'keyUsage', critical: true, digitalSignature: true },
        { name: 'extKeyUsage', clientAuth: true },
      ];
  }
}

function subjectAltNameExtension(names: SubjectAltName[]): ForgeExtension {
  const altNames = names.map((name) => {
    switch (name.type) {
      case 'dns':
        return { type: 2, value: name.value };
      case 'uri':
        return { type: 6, value: name.value };
      case 'ip': {
        // Encoded here rather than by forge, whose parser mistakes IPv4-mapped IPv6 for IPv4.
        const bytes = ipAddressBytes(name.value);
        if (bytes === null) throw new AppError('internal', `"${name.value}" is not an IP address.`);
        return { type: 7, value: toForgeBytes(bytes) };
      }
    }
  });
  return { name: 'subjectAltName', altNames };
}

/** Who signs: a CA's name, keys and key identifier (for a self-signed certificate, the subject itself). */
export interface CertificateIssuer {
  /** The issuer's subject, as forge attributes; copied into the issuer field of what it signs. */
  subjectAttributes: forge.pki.CertificateField[];
  /** Subject key identifier of the issuer; becomes the authority key identifier of what it signs. */
  keyIdentifier: Buffer;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export interface CertificateRequest {
  subject: forge.pki.CertificateField[];
  publicKey: KeyObject;
  usage: CertificateUsage;
  subjectAltNames?: SubjectAltName[];
  lifetimeDays: number;
  issuer: CertificateIssuer;
  /** Defaults to the current time; tests pass a fixed one. */
  now?: Date;
}

export interface IssuedCertificate {
  pem: string;
  certificate: X509Certificate;
}

/** RSA PKCS#1 v1.5 signature with SHA-256, computed in libuv's thread pool. */
export function signSha256WithRsa(data: Buffer, privateKey: KeyObject): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    sign('sha256', data, privateKey, (error, signature) => (error ? reject(error) : resolve(signature)));
  });
}

function wholeSeconds(milliseconds: number): Date {
  return new Date(Math.floor(milliseconds / 1000) * 1000);
}

/** Builds, signs and checks one certificate. */
export async function issueCertificate(request: CertificateRequest): Promise<IssuedCertificate> {
  const now = (request.now ?? new Date()).getTime();
  const certificate = forge.pki.createCertificate();
  certificate.version = 2;
  certificate.serialNumber = randomSerialNumber();
  certificate.validity.notBefore = wholeSeconds(now - BACKDATE_MS);
  certificate.validity.notAfter = wholeSeconds(now + request.lifetimeDays * DAY_MS);
  certificate.publicKey = forgePublicKey(request.publicKey);
  certificate.setSubject(request.subject);
  certificate.setIssuer(request.issuer.subjectAttributes);
  const extensions = usageExtensions(request.usage);
  if (request.subjectAltNames !== undefined && request.subjectAltNames.length > 0) {
    extensions.push(subjectAltNameExtension(request.subjectAltNames));
  }
  extensions.push(
    {
      id: forge.pki.oids.subjectKeyIdentifier,
      value: forge.asn1.create(
        forge.asn1.Class.UNIVERSAL,
        forge.asn1.Type.OCTETSTRING,
        false,
        toForgeBytes(keyIdentifier(request.publicKey)),
      ),
    },
    { name: 'authorityKeyIdentifier', keyIdentifier: toForgeBytes(request.issuer.keyIdentifier) },
  );
  certificate.setExtensions(extensions);

  certificate.signatureOid = SHA256_WITH_RSA_OID;
  certificate.siginfo.algorithmOid = SHA256_WITH_RSA_OID;
  const tbs = forgePki.getTBSCertificate(certificate);
  const signature = await signSha256WithRsa(fromForgeBytes(forge.asn1.toDer(tbs).getBytes()), request.issuer.privateKey);
  certificate.tbsCertificate = tbs;
  certificate.signature = toForgeBytes(signature);

  // forge writes CRLF line ends; plain LF keeps files and concatenated chains tidy.
  const pem = forge.pki.certificateToPem(certificate).replace(/\r\n/g, '\n');
  const x509 = new X509Certificate(pem);
  if (!x509.verify(request.issuer.publicKey)) {
    throw new AppError('internal', 'A freshly signed certificate did not verify against its issuer key.');
  }
  return { pem, certificate: x509 };
}

/** The issuer details of an existing CA certificate and its private key. */
export function issuerFromCertificate(certificatePem: string, privateKey: KeyObject): CertificateIssuer {
  const publicKey = new X509Certificate(certificatePem).publicKey;
  return {
    subjectAttributes: forge.pki.certificateFromPem(certificatePem).subject.attributes,
    keyIdentifier: keyIdentifier(publicKey),
    privateKey,
    publicKey,
  };
}

/** AlgorithmIdentifier for sha256WithRSAEncryption (with the NULL parameters RFC 4055 requires). */
export function sha256WithRsaAlgorithm(): forge.asn1.Asn1 {
  const { asn1 } = forge;
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(SHA256_WITH_RSA_OID).getBytes()),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, ''),
  ]);
}

/** RFC 5280 Time: UTCTime through 2049, GeneralizedTime from 2050. */
export function timeAsn1(date: Date): forge.asn1.Asn1 {
  const { asn1 } = forge;
  return date.getUTCFullYear() < 2050
    ? asn1.create(asn1.Class.UNIVERSAL, asn1.Type.UTCTIME, false, asn1.dateToUtcTime(date))
    : asn1.create(asn1.Class.UNIVERSAL, asn1.Type.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(date));
}

export function integerAsn1(hex: string): forge.asn1.Asn1 {
  return forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.INTEGER, false, toForgeBytes(positiveIntegerBytes(hex)));
}

export function toPem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** One DER element: its tag byte, the whole encoding, and the content octets. */
export interface DerElement {
  tag: number;
  der: Buffer;
  content: Buffer;
}

/**
 * Reads the DER element at `offset`. Used where exact bytes matter (the signed
 * part of a CSR, the CA's encoded name) and on untrusted input, so it is strict:
 * definite lengths only, low tag numbers only, no reading past the end.
 */
export function readDerElement(buffer: Buffer, offset = 0): DerElement & { end: number } {
  const tag = buffer[offset];
  const first = buffer[offset + 1];
  if (tag === undefined || first === undefined) throw new Error('DER element is truncated');
  if ((tag & 0x1f) === 0x1f) throw new Error('DER high tag numbers are not supported');
  let length = first;
  let headerLength = 2;
  if (first & 0x80) {
    const lengthBytes = first & 0x7f;
    if (lengthBytes === 0 || lengthBytes > 4) throw new Error('DER length form is not supported');
    if (offset + 2 + lengthBytes > buffer.length) throw new Error('DER length is truncated');
    length = buffer.readUIntBE(offset + 2, lengthBytes);
    headerLength += lengthBytes;
  }
  const end = offset + headerLength + length;
  if (end > buffer.length) throw new Error('DER content is truncated');
  return {
    tag,
    der: buffer.subarray(offset, end),
    content: buffer.subarray(offset + headerLength, end),
    end,
  };
}

/** The elements inside a constructed element (SEQUENCE, SET, explicit tag). */
export function derChildren(element: DerElement): DerElement[] {
  if ((element.tag & 0x20) === 0) throw new Error('DER element is not constructed');
  const children: DerElement[] = [];
  let offset = 0;
  while (offset < element.content.length) {
    const child = readDerElement(element.content, offset);
    children.push(child);
    offset = child.end;
  }
  return children;
}
