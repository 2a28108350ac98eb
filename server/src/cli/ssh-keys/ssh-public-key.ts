/**
 * Reading an OpenSSH public key line (`ssh-ed25519 AAAA… comment`, what
 * `~/.ssh/id_ed25519.pub` holds) with ssh2's own parser, and the rules for
 * which keys may sign in: ed25519, ECDSA (nistp256/384/521) and RSA of at least
 * 2048 bits. Fingerprints are printed as OpenSSH prints them (`SHA256:…`).
 */
import { createHash, createPublicKey } from 'node:crypto';
import ssh2 from 'ssh2';
import { AppError } from '../../platform/errors.js';

export const ACCEPTED_KEY_TYPES = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'ssh-rsa'] as const;
export type SshKeyType = (typeof ACCEPTED_KEY_TYPES)[number];
export const MIN_RSA_BITS = 2048;

export interface SshPublicKey {
  type: SshKeyType;
  /** The SSH wire-format public key blob. */
  blob: Buffer;
  fingerprint: string;
  comment: string;
}

/** `SHA256:<base64 without padding>` of a public key blob, as `ssh-keygen -lf` prints it. */
export function sshFingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

function refuse(message: string): never {
  throw new AppError('validation_failed', message, { problems: [{ path: 'publicKey', message }] });
}

function isAccepted(type: string): type is SshKeyType {
  return (ACCEPTED_KEY_TYPES as readonly string[]).includes(type);
}

export function parseSshPublicKey(text: string): SshPublicKey {
  const line = text.trim();
  if (/PRIVATE KEY/.test(line)) refuse('This is a private key: give the public key (the .pub file), and keep the private key to yourself.');
  if (line.includes('\n')) refuse('Give one public key, on one line.');
  const parsed = ssh2.utils.parseKey(line);
  if (parsed instanceof Error || Array.isArray(parsed) || parsed.isPrivateKey()) {
    refuse('Not an OpenSSH public key: give the line from the .pub file, e.g. "ssh-ed25519 AAAA… you@laptop".');
  }
  if (!isAccepted(parsed.type)) refuse(`${parsed.type} keys are not accepted: use ed25519, ECDSA or RSA (at least ${MIN_RSA_BITS} bits).`);
  if (parsed.type === 'ssh-rsa') {
    const bits = createPublicKey(parsed.getPublicPEM()).asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) refuse(`The RSA key has ${bits} bits; at least ${MIN_RSA_BITS} are required.`);
  }
  const blob = parsed.getPublicSSH();
  // The comment is what the user typed after the key; keep it short and printable.
  const comment = (parsed.comment || line.split(/\s+/).slice(2).join(' ')).replace(/[^\x20-\x7e]/g, '').slice(0, 100);
  return { type: parsed.type, blob, fingerprint: sshFingerprint(blob), comment };
}

/**
 * Whether `signature` over `signedData` was made by the stored key: ssh2's
 * parser and verifier, as in its README's server example.
 */
export function signatureVerifies(stored: { type: string; blob: Buffer }, signedData: Buffer, signature: Buffer, hashAlgo: string | undefined): boolean {
  const key = ssh2.utils.parseKey(`${stored.type} ${stored.blob.toString('base64')}`);
  if (key instanceof Error || Array.isArray(key)) return false;
  return key.verify(signedData, signature, hashAlgo) === true;
}
