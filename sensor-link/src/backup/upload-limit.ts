/**
 * The upload bandwidth limit the sensor last applied (settings section
 * `uploadBandwidthLimit`), kept in the state folder as `upload-limit.json`
 * { bitsPerSecond | null } so a backup after a restart still honours it: the
 * console does not push the same revision again.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { settingsApplySchema } from '../protocol/link-protocol.js';
import { sensorSettingsSchema } from '../protocol/settings-schema.js';

const FILE = 'upload-limit.json';
const limitFileSchema = z.strictObject({ bitsPerSecond: z.number().positive().nullable() });

/** Call after a settings push was applied; ignores pushes that do not parse (they were not applied). */
export async function rememberUploadLimit(stateDirectory: string, pushed: unknown): Promise<void> {
  const envelope = settingsApplySchema.safeParse(pushed);
  if (!envelope.success) return;
  const settings = sensorSettingsSchema.safeParse(envelope.data.settings);
  if (!settings.success) return;
  const bitsPerSecond = settings.data.uploadBandwidthLimit?.bitsPerSecond ?? null;
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
