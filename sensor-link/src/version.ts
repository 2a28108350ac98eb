/** sensor-link's own version, from its package.json (read on first use, then remembered). */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

let version: string | null = null;

export function sensorLinkVersion(): string {
  version ??= z.looseObject({ version: z.string() }).parse(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))).version;
  return version;
}
