/**
 * The sensor's key pair and certificate signing request for enrolment and
 * renewal. The private key never leaves the sensor; the console reads only
 * the CSR's public key and self-signature and sets the identity itself, so
 * the subject here is informational.
 *
 * RSA 2048: the console requires RSA of at least 2048 bits (node-forge, which
 * assembles certificates there, supports RSA only), and 2048 keeps the TLS
 * handshake cheap on both ends. The key is generated in libuv's thread pool
 * and the request is signed with Node's crypto over forge's encoding of the
 * CertificationRequestInfo, instead of forge's slow pure-JavaScript RSA.
 */
import { generateKeyPair, sign, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';
import { z } from 'zod';

/** `getCertificationRequestInfo` exists in node-forge 1.x but is missing from @types/node-forge. */
const forgePki = forge.pki as typeof forge.pki & {
  getCertificationRequestInfo(request: forge.pki.CertificateSigningRequest): forge.asn1.Asn1;
};

const SHA256_WITH_RSA_OID = '1.2.840.113549.1.1.11';
const KEY_BITS = 2048;

const generateKeyPairAsync = promisify(generateKeyPair);
const signAsync = promisify(
  (data: Buffer, key: KeyObject, done: (error: Error | null, signature: Buffer) => void) => sign('sha256', data, key, done),
);

const createKeyAndCsrSchema = z.object({
  commonName: z.string().trim().min(1, 'The common name is empty').max(64, 'The common name is longer than 64 characters'),
});

export interface KeyAndCsr {
  /** PKCS#8 PEM; store it with owner-only permissions. */
  privateKeyPem: string;
  /** PKCS#10 PEM, signed with SHA-256. */
  csrPem: string;
}

export async function createKeyAndCsr(options: { commonName: string }): Promise<KeyAndCsr> {
  const input = createKeyAndCsrSchema.safeParse(options);
  if (!input.success) {
    throw new Error(`Cannot create the certificate request: ${input.error.issues.map((issue) => issue.message).join('; ')}.`);
  }
  const { publicKey, privateKey } = await generateKeyPairAsync('rsa', { modulusLength: KEY_BITS, publicExponent: 0x10001 });

  const request = forge.pki.createCertificationRequest();
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  request.publicKey = forge.pki.publicKeyFromAsn1(forge.asn1.fromDer(spki.toString('binary')));
  request.setSubject([{ name: 'commonName', value: input.data.commonName }]);
  request.signatureOid = SHA256_WITH_RSA_OID;
  request.siginfo.algorithmOid = SHA256_WITH_RSA_OID;
  const info = forgePki.getCertificationRequestInfo(request);
  const signature = await signAsync(Buffer.from(forge.asn1.toDer(info).getBytes(), 'binary'), privateKey);
  request.certificationRequestInfo = info;
  request.signature = signature.toString('binary');

  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    csrPem: forge.pki.certificationRequestToPem(request).replace(/\r\n/g, '\n'),
  };
}
