/**
 * The upload bandwidth limit the sensor last applied (settings section
 * `uploadBandwidthLimit`), kept in the state folder as `upload-limit.json`
 * { bitsPerSecond | null } so a backup after a restart still honours it: the
 * console does not push the same revision again.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

const FILE = 'upload-limit.json';
const limitFileSchema = z.strictObject({ bitsPerSecond: z.number().positive().nullable() });

/** Call after a settings push was applied, with its `uploadBandwidthLimit.bitsPerSecond` (null: no limit). */
export async function rememberUploadLimit(stateDirectory: string, bitsPerSecond: number | null): Promise<void> {
  const file = path.join(stateDirectory, FILE);
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify({ bitsPerSecond })}\n`, { mode: 0o644 });
  await rename(temporary, file);
}

/** Bytes per second, or null for no limit. */
export async function uploadLimitBytesPerSecond(stateDirectory: string): Promise<number | null> {
  try {
    const parsed = limitFileSchema.safeParse(JSON.parse(await readFile(path.join(stateDirectory, FILE), 'utf8')));
    return parsed.success && parsed.data.bitsPerSecond !== null ? parsed.data.bitsPerSecond / 8 : null;
  } catch {
    return null;
  }
}
