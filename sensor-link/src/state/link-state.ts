/**
 * What an enrolled sensor keeps in its state directory (0700):
 *   key.pem           its private key, PKCS#8 PEM, 0600; never sent anywhere
 *   certificate.pem   its client certificate from the console CA
 *   ca.pem            the console CA certificate (the pinned one), trusted for the link only
 *   link.json         sensor id and name, console addresses, certificate validity
 *   settings-applied.json  the settings revision last applied { sensorId, revision, digest, appliedAt },
 *                     so a restart does not apply the same settings again (the console still decides what to push)
 * Files are replaced atomically (write to a temporary name, then rename), and
 * the key is written before the certificate that needs it.
 */
import { X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

const linkFileSchema = z.strictObject({
  sensorId: z.string(),
  sensorName: z.string(),
  consoleAddresses: z.array(z.string()).min(1),
  enrolledAt: z.string(),
});

const appliedSettingsSchema = z.strictObject({
  sensorId: z.string(),
  revision: z.number().int().min(0),
  /** SHA-256 of the applied settings as received, so equal revision numbers with other content are applied. */
  digest: z.string(),
  appliedAt: z.string(),
});
export type AppliedSettings = z.infer<typeof appliedSettingsSchema>;

export interface LinkState {
  sensorId: string;
  sensorName: string;
  consoleAddresses: string[];
  enrolledAt: string;
  privateKeyPem: string;
  certificatePem: string;
  caPem: string;
  notBefore: Date;
  notAfter: Date;
}

async function writeAtomic(file: string, data: string, mode: number): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, data, { mode });
  await chmod(temporary, mode);
  await rename(temporary, file);
}

export class LinkStateStore {
  constructor(readonly directory: string) {}

  private file(name: string): string {
    return path.join(this.directory, name);
  }

  async ensureDirectory(): Promise<void> {
    await mkdir(this.directory, { recursive: true, mode: 0o700 });
    await chmod(this.directory, 0o700);
  }

  /** The enrolled state, or null when the sensor has not enrolled (no link.json). */
  async load(): Promise<LinkState | null> {
    let linkText: string;
    try {
      linkText = await readFile(this.file('link.json'), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    const link = linkFileSchema.safeParse(JSON.parse(linkText));
    if (!link.success) throw new Error(`${this.file('link.json')} is damaged; enrol again with sensor-link connect <string>.`);
    const [privateKeyPem, certificatePem, caPem] = await Promise.all(
      ['key.pem', 'certificate.pem', 'ca.pem'].map((name) => readFile(this.file(name), 'utf8')),
    );
    if (privateKeyPem === undefined || certificatePem === undefined || caPem === undefined) throw new Error('state files missing');
    const certificate = new X509Certificate(certificatePem);
    return {
      ...link.data,
      privateKeyPem,
      certificatePem,
      caPem,
      notBefore: new Date(certificate.validFrom),
      notAfter: new Date(certificate.validTo),
    };
  }

  async save(state: Omit<LinkState, 'notBefore' | 'notAfter'>): Promise<void> {
    await this.ensureDirectory();
    await writeAtomic(this.file('key.pem'), state.privateKeyPem, 0o600);
    await writeAtomic(this.file('certificate.pem'), state.certificatePem, 0o644);
    await writeAtomic(this.file('ca.pem'), state.caPem, 0o644);
    const link = { sensorId: state.sensorId, sensorName: state.sensorName, consoleAddresses: state.consoleAddresses, enrolledAt: state.enrolledAt };
    await writeAtomic(this.file('link.json'), `${JSON.stringify(link, null, 2)}\n`, 0o644);
  }

  /** The settings last applied, or null (never, or the file is unreadable: then applying again is the safe side). */
  async loadAppliedSettings(): Promise<AppliedSettings | null> {
    try {
      const parsed = appliedSettingsSchema.safeParse(JSON.parse(await readFile(this.file('settings-applied.json'), 'utf8')));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  async saveAppliedSettings(applied: AppliedSettings): Promise<void> {
    await writeAtomic(this.file('settings-applied.json'), `${JSON.stringify(applied, null, 2)}\n`, 0o644);
  }

  /** After a renewal: the new key and certificate replace the old pair. */
  async saveRenewed(privateKeyPem: string, certificatePem: string): Promise<void> {
    await writeAtomic(this.file('key.pem'), privateKeyPem, 0o600);
    await writeAtomic(this.file('certificate.pem'), certificatePem, 0o644);
  }
}
