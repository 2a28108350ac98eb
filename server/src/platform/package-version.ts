import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The console's version from its package.json, found by walking up from this
 * file so it works from the sources (tsx) and from the compiled dist/ alike.
 */
export function readPackageVersion(): string {
  let directory = path.dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 6; depth += 1) {
    try {
      const manifest = JSON.parse(readFileSync(path.join(directory, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'garrison' && manifest.version) return manifest.version;
    } catch {
      // Not here; keep walking up.
    }
    directory = path.dirname(directory);
  }
  return '0.0.0-unknown';
}
