/**
 * What the TLS handshake established about the peer on the link port. The
 * listener asks for a client certificate but completes handshakes without one
 * (enrolling sensors have none yet); every path except POST /enroll/v1, and
 * the socket.io upgrade, then require an `authorized` peer: a certificate
 * chaining to the console CA, inside its validity, naming a sensor.
 */
import type { TLSSocket } from 'node:tls';
import type { LinkRefusal } from '../../../sensor-link/src/protocol/link-protocol.js';
import { sensorIdFromCertificate } from '../modules/pki/sensor-certificate.js';

export type PeerIdentity = { ok: true; sensorId: string; serialNumber: string; notAfter: Date } | { ok: false; refusal: LinkRefusal };

const REENROL = 'Re-enrol the sensor with a new connection string (sensor-link connect <string>).';

/**
 * Each link asks twice (the socket.io upgrade, then the namespace), so the answer is kept per TLS socket:
 * its peer cannot change after the handshake (TLS 1.3, no renegotiation). `getPeerX509Certificate` reads
 * only the fields asked for; `getPeerCertificate` converted the whole certificate to a JS object, about
 * 0.35 ms per link.
 */
const identities = new WeakMap<TLSSocket, PeerIdentity>();

export function peerIdentity(socket: TLSSocket): PeerIdentity {
  const known = identities.get(socket);
  if (known) return known;
  const identity = identify(socket);
  identities.set(socket, identity);
  return identity;
}

function identify(socket: TLSSocket): PeerIdentity {
  const certificate = socket.getPeerX509Certificate();
  if (!certificate) {
    return { ok: false, refusal: { code: 'no-client-certificate', message: 'The link needs a client certificate from the console CA; this connection presented none.' } };
  }
  if (!socket.authorized) {
    const reason = String(socket.authorizationError ?? 'unknown');
    if (reason === 'CERT_HAS_EXPIRED') {
      return { ok: false, refusal: { code: 'certificate-expired', message: `The sensor's certificate expired on ${certificate.validTo}. ${REENROL}` } };
    }
    if (reason === 'CERT_NOT_YET_VALID') {
      return { ok: false, refusal: { code: 'untrusted-certificate', message: `The sensor's certificate is not valid yet (from ${certificate.validFrom}); check the sensor's clock.` } };
    }
    return { ok: false, refusal: { code: 'untrusted-certificate', message: `The client certificate is not from this console's CA (${reason}). ${REENROL}` } };
  }
  const sensorId = sensorIdFromCertificate(certificate);
  if (sensorId === null) {
    return { ok: false, refusal: { code: 'untrusted-certificate', message: 'The client certificate is from the console CA but is not a sensor certificate.' } };
  }
  return { ok: true, sensorId, serialNumber: certificate.serialNumber.toUpperCase(), notAfter: new Date(certificate.validTo) };
}
