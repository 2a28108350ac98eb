/**
 * The SSH CLI's host key: an ed25519 key generated at first start and kept in
 * `<dataDir>/ssh/host-ed25519-key` (mode 0600, OpenSSH format, which is what
 * ssh2 reads; it cannot read Node's PKCS#8 ed25519 PEM). Its fingerprint is
 * printed the way OpenSSH prints it (`SHA256:<base64 without padding>`) so an
 * operator can compare it with what `ssh` shows on first connection.
 */
import { createHash } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import ssh2 from 'ssh2';

export interface HostKey {
  /** The private key in OpenSSH format, for ssh2's `hostKeys`. */
  privateKey: string;
  /** `SHA256:…` exactly as `ssh-keygen -lf` and the ssh client print it. */
  fingerprint: string;
}

export const HOST_KEY_FILE = 'host-ed25519-key';

export async function loadOrCreateHostKey(dataDir: string): Promise<HostKey & { created: boolean }> {
  const directory = path.join(dataDir, 'ssh');
  const file = path.join(directory, HOST_KEY_FILE);
  let privateKey: string;
  let created = false;
  try {
    privateKey = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await mkdir(directory, { recursive: true, mode: 0o700 });
    privateKey = ssh2.utils.generateKeyPairSync('ed25519').private;
    // 'wx': two consoles starting on one data directory must not overwrite each other's key.
    await writeFile(file, privateKey, { mode: 0o600, flag: 'wx' });
    created = true;
  }
  await chmod(file, 0o600);
  return { privateKey, fingerprint: fingerprintOf(privateKey), created };
}

/** SHA-256 over the public key blob, base64 without padding: OpenSSH's default fingerprint format. */
export function fingerprintOf(privateKey: string): string {
  const parsed = ssh2.utils.parseKey(privateKey);
  if (parsed instanceof Error) throw new Error(`The SSH host key cannot be read: ${parsed.message}`);
  const digest = createHash('sha256').update(parsed.getPublicSSH()).digest('base64');
  return `SHA256:${digest.replace(/=+$/, '')}`;
}
