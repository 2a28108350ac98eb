/**
 * Certificate revocation list of the console CA (X.509 v2 CRL, RFC 5280 §5).
 * node-forge cannot produce CRLs, so the structure is assembled with
 * forge.asn1 here and signed (sha256WithRSAEncryption) with Node's crypto:
 *
 *   CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue BIT STRING }
 *   TBSCertList ::= SEQUENCE {
 *     version v2(1), signature AlgorithmIdentifier, issuer Name (the CA subject, byte for byte),
 *     thisUpdate Time, nextUpdate Time,
 *     revokedCertificates SEQUENCE OF SEQUENCE { userCertificate, revocationDate } (omitted when empty),
 *     crlExtensions [0] { cRLNumber, authorityKeyIdentifier } }
 *
 * The TLS listener can pass `pem` as the `crl` option so revoked sensors fail the handshake.
 */
import type { X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { z } from 'zod';
import { AppError } from '../../platform/errors.js';
import {
  derChildren,
  fromForgeBytes,
  integerAsn1,
  readDerElement,
  sha256WithRsaAlgorithm,
  signSha256WithRsa,
  timeAsn1,
  toForgeBytes,
  toPem,
  type CertificateIssuer,
} from './certificate-builder.js';

const CRL_NUMBER_OID = '2.5.29.20';
const AUTHORITY_KEY_IDENTIFIER_OID = '2.5.29.35';
const HOUR_MS = 60 * 60 * 1000;

export interface RevokedCertificate {
  /** Hex, any case (as `X509Certificate.serialNumber` gives it). */
  serialNumber: string;
  revokedAt: Date;
}

export interface BuildCrlOptions {
  ca: CertificateIssuer & { certificate: X509Certificate };
  revoked: RevokedCertificate[];
  /** Monotonically increasing per CA; relying parties use it to order CRLs. */
  crlNumber: number;
  /** When relying parties should expect the next CRL. */
  nextUpdateHours: number;
  /** Defaults to the current time. */
  now?: Date;
}

export interface CertificateRevocationList {
  der: Buffer;
  pem: string;
  thisUpdate: Date;
  nextUpdate: Date;
}

const buildCrlSchema = z.object({
  revoked: z.array(
    z.object({
      serialNumber: z.string().regex(/^[0-9a-fA-F]{1,40}$/, 'A serial number is 1-40 hex digits'),
      revokedAt: z.date().refine((date) => !Number.isNaN(date.getTime()), 'Not a valid date'),
    }),
  ),
  crlNumber: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  nextUpdateHours: z.number().positive().max(24 * 366),
});

const { asn1 } = forge;

function sequence(values: forge.asn1.Asn1[]): forge.asn1.Asn1 {
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, values);
}

function extension(oid: string, value: forge.asn1.Asn1): forge.asn1.Asn1 {
  return sequence([
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(oid).getBytes()),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, asn1.toDer(value).getBytes()),
  ]);
}

/** The CA's subject exactly as encoded in its certificate, so issuer matching never depends on re-encoding. */
function issuerName(certificate: X509Certificate): forge.asn1.Asn1 {
  const [tbs] = derChildren(readDerElement(certificate.raw));
  if (tbs === undefined) throw new AppError('internal', 'The CA certificate has no TBSCertificate.');
  const fields = derChildren(tbs);
  // version [0] is present in v3 certificates: version, serial, signature, issuer, validity, subject.
  const subject = fields[fields[0]?.tag === 0xa0 ? 5 : 4];
  if (subject === undefined) throw new AppError('internal', 'The CA certificate has no subject.');
  return asn1.fromDer(toForgeBytes(subject.der));
}

/** Keeps the earliest revocation date per serial; sorted by date, then serial, for stable output. */
function revokedEntries(revoked: RevokedCertificate[]): forge.asn1.Asn1[] {
  const bySerial = new Map<string, Date>();
  for (const entry of revoked) {
    const serial = BigInt(`0x${entry.serialNumber}`).toString(16);
    const known = bySerial.get(serial);
    if (known === undefined || entry.revokedAt < known) bySerial.set(serial, entry.revokedAt);
  }
  return [...bySerial.entries()]
    .sort(([serialA, dateA], [serialB, dateB]) => dateA.getTime() - dateB.getTime() || serialA.localeCompare(serialB))
    .map(([serial, revokedAt]) => sequence([integerAsn1(serial), timeAsn1(revokedAt)]));
}

/** Builds and signs a CRL listing `revoked`, issued by `ca`. */
export async function buildCrl(options: BuildCrlOptions): Promise<CertificateRevocationList> {
  const input = buildCrlSchema.safeParse(options);
  if (!input.success) {
    const problems = input.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
    const summary = problems.map((problem) => `${problem.path}: ${problem.message}`).join('; ');
    throw new AppError('validation_failed', `Cannot build the CRL: ${summary}.`, problems);
  }
  const { revoked, crlNumber, nextUpdateHours } = input.data;
  const { ca } = options;
  const thisUpdate = new Date(Math.floor((options.now ?? new Date()).getTime() / 1000) * 1000);
  const nextUpdate = new Date(thisUpdate.getTime() + Math.round(nextUpdateHours * HOUR_MS));

  const entries = revokedEntries(revoked);
  const authorityKeyIdentifier = sequence([
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, false, toForgeBytes(ca.keyIdentifier)),
  ]);
  const tbsCertList = sequence([
    integerAsn1('1'),
    sha256WithRsaAlgorithm(),
    issuerName(ca.certificate),
    timeAsn1(thisUpdate),
    timeAsn1(nextUpdate),
    ...(entries.length > 0 ? [sequence(entries)] : []),
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [
      sequence([
        extension(CRL_NUMBER_OID, integerAsn1(crlNumber.toString(16))),
        extension(AUTHORITY_KEY_IDENTIFIER_OID, authorityKeyIdentifier),
      ]),
    ]),
  ]);

  const signature = await signSha256WithRsa(fromForgeBytes(asn1.toDer(tbsCertList).getBytes()), ca.privateKey);
  const certificateList = sequence([
    tbsCertList,
    sha256WithRsaAlgorithm(),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, `\u0000${toForgeBytes(signature)}`),
  ]);
  const der = fromForgeBytes(asn1.toDer(certificateList).getBytes());
  return { der, pem: toPem('X509 CRL', der), thisUpdate, nextUpdate };
}
