/**
 * The web console's TLS certificate (the HTTPS listener only: the sensor link
 * keeps the console CA's server certificate, since sensors pin the CA).
 *
 * By default the listener serves the server certificate signed by the console
 * CA (server-certificate.ts). An admin may upload a certificate + key (+ chain,
 * + passphrase) instead; it is checked (web-certificate-check.ts), stored in the
 * database with the key sealed (SecretBox context 'pki.web-certificate.private-key',
 * unencrypted PKCS#8 inside the seal, so the passphrase is never kept), and
 * applied at once with `setSecureContext`: open connections keep their
 * handshake, new ones get the new certificate, nothing restarts.
 *
 * Several console instances share the database: each one re-reads the stored
 * choice every REFRESH_MS, so a change made on one reaches the others within that.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import type https from 'node:https';
import type { Collection, Db } from 'mongodb';
import type { Logger } from '../../platform/logger.js';
import type { SecretBox } from '../../platform/secrets/secret-box.js';
import { TLS_POLICY } from '../../platform/tls-policy.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { Acting } from '../users/accounts/users-service.js';
import type { ServerCertificate } from './server-certificate.js';
import { checkWebCertificate, type WebCertificateUpload } from './web-certificate-check.js';

export const WEB_KEY_CONTEXT = 'pki.web-certificate.private-key';
export const WEB_CERTIFICATE_COLLECTION = 'webCertificates';
const DOCUMENT_ID = 'web-certificate';
const REFRESH_MS = 30_000;
/** An uploaded certificate is not renewed by the console: warn in the log this long before it expires. */
const EXPIRY_WARNING_DAYS = 30;

interface WebCertificateDocument {
  _id: string;
  fullChainPem: string;
  sealedKey: string;
  uploadedAt: Date;
  uploadedBy: string;
}

export interface WebCertificateView {
  /** 'console-ca': the console CA's own certificate; 'uploaded': an admin's. */
  source: 'console-ca' | 'uploaded';
  subject: string;
  issuer: string;
  subjectAltNames: string[];
  notBefore: string;
  notAfter: string;
  serialNumber: string;
  /** SHA-256 of the DER certificate, colon-separated upper-case hex (as browsers show it). */
  fingerprintSha256: string;
  keyType: string;
  keySize: string;
  /** Certificates sent after the server certificate. */
  chainLength: number;
  uploadedAt: string | null;
  uploadedBy: string | null;
}

interface ServedCertificate {
  keyPem: string;
  fullChainPem: string;
  stored: WebCertificateDocument | null;
}

export interface WebCertificateServiceOptions {
  db: Db;
  secretBox: SecretBox;
  audit: () => AuditTrail;
  logger: Logger;
}

function oneLine(name: string): string {
  return name.split('\n').join(', ');
}

export function describeCertificate(fullChainPem: string, source: WebCertificateView['source'], stored: WebCertificateDocument | null): WebCertificateView {
  const blocks = fullChainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const certificate = new X509Certificate(blocks[0] ?? '');
  const details = certificate.publicKey.asymmetricKeyDetails ?? {};
  const keyType = certificate.publicKey.asymmetricKeyType ?? 'unknown';
  return {
    source,
    subject: oneLine(certificate.subject),
    issuer: oneLine(certificate.issuer),
    subjectAltNames: (certificate.subjectAltName ?? '').split(', ').filter((entry) => entry !== ''),
    notBefore: new Date(certificate.validFrom).toISOString(),
    notAfter: new Date(certificate.validTo).toISOString(),
    serialNumber: certificate.serialNumber,
    fingerprintSha256: certificate.fingerprint256,
    keyType,
    keySize: details.modulusLength ? `${details.modulusLength} bits` : (details.namedCurve ?? 'unknown'),
    chainLength: blocks.length - 1,
    uploadedAt: stored?.uploadedAt.toISOString() ?? null,
    uploadedBy: stored?.uploadedBy ?? null,
  };
}

export class WebCertificateService {
  private readonly documents: Collection<WebCertificateDocument>;
  private server: https.Server | null = null;
  /** The console CA's server certificate, the default; set by start(). */
  private consoleCertificate: ServerCertificate | null = null;
  private served: ServedCertificate | null = null;
  private refreshTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: WebCertificateServiceOptions) {
    this.documents = options.db.collection<WebCertificateDocument>(WEB_CERTIFICATE_COLLECTION);
  }

  /** Reads the stored choice and keeps re-reading it (other instances may change it). */
  async start(consoleCertificate: ServerCertificate): Promise<void> {
    this.consoleCertificate = consoleCertificate;
    await this.refresh();
    this.refreshTimer = setInterval(() => {
      this.refresh().catch((error: unknown) => this.options.logger.warn({ err: error }, 'could not re-read the web certificate'));
    }, REFRESH_MS);
    this.refreshTimer.unref();
  }

  stop(): void {
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    this.refreshTimer = null;
    this.detach();
  }

  detach(): void {
    this.server = null;
  }

  /** The HTTPS listener whose certificate this service sets; applied at once. */
  attach(server: https.Server): void {
    this.server = server;
    this.apply();
  }

  current(): WebCertificateView {
    const served = this.servedNow();
    return describeCertificate(served.fullChainPem, served.stored ? 'uploaded' : 'console-ca', served.stored);
  }

  private servedNow(): ServedCertificate {
    if (!this.served) throw new Error('The web certificate service has not started');
    return this.served;
  }

  async upload(upload: WebCertificateUpload, acting: Acting): Promise<WebCertificateView> {
    const before = this.current();
    let checked;
    try {
      checked = checkWebCertificate(upload);
    } catch (error) {
      await this.options.audit().record({
        ...acting,
        action: 'pki.web-certificate-uploaded',
        target: { kind: 'webCertificate', id: null, name: 'web console certificate' },
        outcome: 'failure',
        reason: (error as Error).message,
      });
      throw error;
    }
    const keyPem = checked.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const document: WebCertificateDocument = {
      _id: DOCUMENT_ID,
      fullChainPem: checked.fullChainPem,
      sealedKey: this.options.secretBox.seal(keyPem, WEB_KEY_CONTEXT),
      uploadedAt: new Date(),
      uploadedBy: acting.actor.name,
    };
    await this.documents.replaceOne({ _id: DOCUMENT_ID }, document, { upsert: true });
    this.served = { keyPem, fullChainPem: checked.fullChainPem, stored: document };
    this.apply();
    const after = this.current();
    await this.options.audit().record({ ...acting, action: 'pki.web-certificate-uploaded', target: this.target(after), outcome: 'success', before, after });
    return after;
  }

  /** Back to the certificate signed by the console CA. */
  async useConsoleCa(acting: Acting): Promise<WebCertificateView> {
    const before = this.current();
    await this.documents.deleteOne({ _id: DOCUMENT_ID });
    this.served = this.consoleCaServed();
    this.apply();
    const after = this.current();
    await this.options.audit().record({ ...acting, action: 'pki.web-certificate-reset', target: this.target(after), outcome: 'success', before, after });
    return after;
  }

  private target(view: WebCertificateView) {
    return { kind: 'webCertificate', id: view.fingerprintSha256, name: view.subject };
  }

  private consoleCaServed(): ServedCertificate {
    const { consoleCertificate } = this;
    if (!consoleCertificate) throw new Error('The web certificate service has not started');
    return { keyPem: consoleCertificate.privateKeyPem, fullChainPem: consoleCertificate.chainPem, stored: null };
  }

  private async refresh(): Promise<void> {
    const stored = await this.documents.findOne({ _id: DOCUMENT_ID });
    if (this.served) {
      const servedAt = this.served.stored?.uploadedAt.getTime() ?? null;
      if ((stored?.uploadedAt.getTime() ?? null) === servedAt) return;
    }
    if (stored === null) {
      this.served = this.consoleCaServed();
    } else {
      try {
        const keyPem = this.options.secretBox.openText(stored.sealedKey, WEB_KEY_CONTEXT);
        createPrivateKey(keyPem);
        this.served = { keyPem, fullChainPem: stored.fullChainPem, stored };
      } catch (error) {
        // Serving something beats serving nothing: keep the console CA's certificate and say why.
        this.options.logger.error({ err: error }, 'the uploaded web certificate cannot be opened; serving the console CA certificate');
        this.served = this.consoleCaServed();
      }
    }
    this.apply();
  }

  private apply(): void {
    if (!this.server) return;
    const served = this.servedNow();
    this.server.setSecureContext({ ...TLS_POLICY, key: served.keyPem, cert: served.fullChainPem });
    const view = this.current();
    this.options.logger.info(
      { source: view.source, subject: view.subject, fingerprintSha256: view.fingerprintSha256, notAfter: view.notAfter },
      'web console certificate applied',
    );
    const daysLeft = (Date.parse(view.notAfter) - Date.now()) / (24 * 60 * 60 * 1000);
    if (view.source === 'uploaded' && daysLeft < EXPIRY_WARNING_DAYS) {
      this.options.logger.warn(
        { notAfter: view.notAfter, daysLeft: Math.floor(daysLeft) },
        'the uploaded web certificate expires soon: upload a renewed one, or go back to the console CA certificate (cert self-signed)',
      );
    }
  }
}

