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
    privateKey = generateHostKey();
    // 'wx': two consoles starting on one data directory must not overwrite each other's key.
    await writeFile(file, privateKey, { mode: 0o600, flag: 'wx' });
    created = true;
  }
  await chmod(file, 0o600);
  return { privateKey, fingerprint: fingerprintOf(privateKey), created };
}

/**
 * A new ed25519 host key that ssh2 can read back. ssh2's own generator writes an
 * unreadable key ("Malformed OpenSSH private key") about once in 250 (measured:
 * 8 of 2,000), so a key is kept only after it parses; a few tries always suffice.
 */
export function generateHostKey(): string {
  for (let attempt = 1; attempt <= 20; attempt += 1) {
    const candidate = ssh2.utils.generateKeyPairSync('ed25519').private;
    if (!(ssh2.utils.parseKey(candidate) instanceof Error)) return candidate;
  }
  throw new Error('Could not generate a readable SSH host key in 20 tries');
}

/** SHA-256 over the public key blob, base64 without padding: OpenSSH's default fingerprint format. */
export function fingerprintOf(privateKey: string): string {
  const parsed = ssh2.utils.parseKey(privateKey);
  if (parsed instanceof Error) throw new Error(`The SSH host key cannot be read: ${parsed.message}`);
  const digest = createHash('sha256').update(parsed.getPublicSSH()).digest('base64');
  return `SHA256:${digest.replace(/=+$/, '')}`;
}
