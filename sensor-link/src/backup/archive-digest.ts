/**
 * The size and SHA-256 the sensor announces for a backup archive (they travel
 * in the upload's request headers, so they must be known before the first
 * byte is sent). Preferably what the capture-core adapter measured while it
 * wrote the file (one pass: the upload starts as soon as the archive is
 * complete); otherwise a separate hashing pass over the file. The adapter's
 * figures are used only when they are well-formed and the size matches the
 * file on disk; the console verifies both in any case, so a wrong digest
 * fails the run ("digest mismatch") instead of storing a bad backup.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import type { ProducedBackup } from '../core/capture-core.js';
import { DigestStream } from './digest-stream.js';

/** SHA-256 (hex) and size of a file, read as a stream. */
export async function digestOf(file: string): Promise<ProducedBackup> {
  const measure = new DigestStream();
  const discard = new Writable({ write: (_chunk, _encoding, callback) => callback() });
  await pipeline(createReadStream(file, { highWaterMark: 1024 * 1024 }), measure, discard);
  return { sizeBytes: measure.sizeBytes, sha256: measure.sha256() };
}

function isProducedBackup(value: unknown): value is ProducedBackup {
  if (typeof value !== 'object' || value === null) return false;
  const { sizeBytes, sha256 } = value as Record<string, unknown>;
  return Number.isSafeInteger(sizeBytes) && (sizeBytes as number) >= 0 && typeof sha256 === 'string' && /^[0-9a-f]{64}$/.test(sha256);
}

export interface AnnouncedDigest extends ProducedBackup {
  /** 'adapter': measured while the archive was written; 'hashing pass': read again. */
  measuredBy: 'adapter' | 'hashing pass';
}

/** What to announce for `file`, given what `produceBackup` returned. */
export async function announcedDigest(file: string, produced: unknown): Promise<AnnouncedDigest> {
  if (isProducedBackup(produced) && (await stat(file)).size === produced.sizeBytes) {
    return { sizeBytes: produced.sizeBytes, sha256: produced.sha256, measuredBy: 'adapter' };
  }
  return { ...(await digestOf(file)), measuredBy: 'hashing pass' };
}
