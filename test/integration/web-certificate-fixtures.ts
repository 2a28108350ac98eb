/**
 * Certificates for the web certificate tests: a throwaway CA and leaf
 * certificates with chosen keys and validity (node-forge builds them, so
 * expired and not-yet-valid ones are possible), plus an ECDSA certificate on a
 * curve browsers refuse, made by the openssl command line (forge has no ECDSA).
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import forge from 'node-forge';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface TestCertificate {
  certificatePem: string;
  privateKeyPem: string;
  privateKey: KeyObject;
}

export interface LeafOptions {
  bits?: number;
  /** Days from now; negative is in the past. */
  notBeforeDays?: number;
  notAfterDays?: number;
  commonName?: string;
  /** Signed by this CA; self-signed without. */
  issuer?: TestCertificate;
  isCa?: boolean;
}

export function makeCertificate(options: LeafOptions = {}): TestCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: options.bits ?? 2048 });
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  // Positive and minimally encoded: DER refuses leading zero bytes.
  certificate.serialNumber = `4${randomBytes(15).toString('hex')}`;
  certificate.validity.notBefore = new Date(Date.now() + (options.notBeforeDays ?? -1) * DAY_MS);
  certificate.validity.notAfter = new Date(Date.now() + (options.notAfterDays ?? 30) * DAY_MS);
  const subject = [{ name: 'commonName', value: options.commonName ?? (options.isCa ? 'Web Test CA' : 'localhost') }];
  certificate.setSubject(subject);
  certificate.setIssuer(options.issuer ? forge.pki.certificateFromPem(options.issuer.certificatePem).subject.attributes : subject);
  certificate.setExtensions(
    options.isCa
      ? [{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }]
      : [
          { name: 'basicConstraints', cA: false },
          { name: 'extKeyUsage', serverAuth: true },
          { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] },
        ],
  );
  const signingKey = options.issuer?.privateKey ?? privateKey;
  certificate.sign(forge.pki.privateKeyFromPem(signingKey.export({ type: 'pkcs1', format: 'pem' }).toString()), forge.md.sha256.create());
  return {
    certificatePem: forge.pki.certificateToPem(certificate),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    privateKey,
  };
}

/** The key in encrypted PKCS#8 PEM, opened only with `passphrase`. */
export function encryptedKeyPem(certificate: TestCertificate, passphrase: string): string {
  return certificate.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }).toString();
}

/** A self-signed ECDSA certificate on secp224r1, a curve browsers do not accept for TLS. */
export function makeWeakCurveCertificate(): { certificatePem: string; privateKeyPem: string } {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'garrison-weak-curve-'));
  try {
    const key = path.join(directory, 'key.pem');
    const certificate = path.join(directory, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:secp224r1', '-nodes', '-days', '30', '-subj', '/CN=localhost', '-keyout', key, '-out', certificate], { stdio: 'pipe' });
    return { certificatePem: readFileSync(certificate, 'utf8'), privateKeyPem: readFileSync(key, 'utf8') };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** What a brand-new TLS handshake on `port` is shown (no session reuse, nothing trusted). */
export function servedCertificate(port: number): Promise<tls.DetailedPeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false }, () => {
      const peer = socket.getPeerCertificate(true);
      socket.end();
      resolve(peer);
    });
    socket.once('error', reject);
  });
}

/** Whether a client trusting only `caPem` accepts the HTTPS port's certificate for "localhost". */
export function handshakeTrusts(port: number, caPem: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: caPem }, () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

