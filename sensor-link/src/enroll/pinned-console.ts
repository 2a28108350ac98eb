/**
 * Trust on first contact, done right: before the secret is sent anywhere,
 * the sensor opens TLS to a console address, sends nothing, and checks the
 * presented chain against the pin from the connection string:
 *   - some certificate in the chain is a CA whose public key hashes (SHA-256
 *     of the SubjectPublicKeyInfo, base64url) to the pin;
 *   - that CA signed the server (leaf) certificate;
 *   - the leaf is inside its validity and names the address we dialled.
 * Only then is the CA certificate returned; the enrolment request is made on
 * a new connection that trusts that CA alone, with normal verification.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { isIP } from 'node:net';
import tls from 'node:tls';
import type { ConsoleAddress } from '../protocol/connection-string.js';

const CONNECT_TIMEOUT_MS = 10_000;

export class PinMismatchError extends Error {
  constructor(address: string, detail: string) {
    super(`The console at ${address} is not the one in the connection string: ${detail}. Nothing was sent to it.`);
    this.name = 'PinMismatchError';
  }
}

export function publicKeyPin(certificate: X509Certificate): string {
  return createHash('sha256').update(certificate.publicKey.export({ type: 'spki', format: 'der' })).digest('base64url');
}

function presentedChain(socket: tls.TLSSocket): X509Certificate[] {
  const chain: X509Certificate[] = [];
  let current: tls.DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  const seen = new Set<string>();
  while (current && current.raw && !seen.has(current.fingerprint256)) {
    seen.add(current.fingerprint256);
    chain.push(new X509Certificate(current.raw));
    current = current.issuerCertificate;
  }
  return chain;
}

/** Returns the console CA certificate (PEM) once the address proved it holds the pinned CA's server certificate. */
export async function verifyPinnedConsole(address: ConsoleAddress, pin: string): Promise<string> {
  const label = isIP(address.host) === 6 ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
  const socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
    const connection = tls.connect({
      host: address.host,
      port: address.port,
      // Verification is done below against the pin; no data is written on this connection.
      rejectUnauthorized: false,
      ...(isIP(address.host) === 0 ? { servername: address.host } : {}),
      minVersion: 'TLSv1.2',
    });
    connection.setTimeout(CONNECT_TIMEOUT_MS, () => connection.destroy(new Error(`no TLS answer within ${CONNECT_TIMEOUT_MS / 1000} s`)));
    connection.once('secureConnect', () => resolve(connection));
    connection.once('error', (error) => reject(new Error(`Cannot reach the console at ${label}: ${error.message}`)));
  });
  try {
    const chain = presentedChain(socket);
    const [leaf] = chain;
    if (!leaf) throw new PinMismatchError(label, 'it presented no certificate');
    const ca = chain.find((certificate) => certificate.ca && publicKeyPin(certificate) === pin);
    if (!ca) throw new PinMismatchError(label, 'no certificate it presented matches the CA pin');
    if (!leaf.verify(ca.publicKey)) throw new PinMismatchError(label, 'its server certificate is not signed by the pinned CA');
    const now = Date.now();
    if (Date.parse(leaf.validFrom) > now || Date.parse(leaf.validTo) < now) {
      throw new PinMismatchError(label, `its server certificate is not valid now (valid ${leaf.validFrom} to ${leaf.validTo}); check this sensor's clock`);
    }
    const matches = isIP(address.host) === 0 ? leaf.checkHost(address.host) : leaf.checkIP(address.host);
    if (matches === undefined) throw new PinMismatchError(label, `its server certificate does not name ${address.host}`);
    return ca.toString();
  } finally {
    socket.destroy();
  }
}
