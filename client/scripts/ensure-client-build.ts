/**
 * Builds the web client when client/dist is missing or older than its sources,
 * so `npm start` and `npm test` always serve the current client without paying
 * for a build (~15 s) when nothing changed. Run from any folder.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const clientDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const builtIndex = path.join(clientDir, 'dist', 'index.html');
/** What the bundle is made of; the server's payload types count too (they are type-checked into it). */
const SOURCES = ['src', 'index.html', 'vite.config.ts', 'package.json', 'tsconfig.json', 'public'];

function newestModification(entry: string): number {
  if (!existsSync(entry)) return 0;
  const info = statSync(entry);
  if (!info.isDirectory()) return info.mtimeMs;
  return readdirSync(entry).reduce((newest, name) => Math.max(newest, newestModification(path.join(entry, name))), info.mtimeMs);
}

const builtAt = existsSync(builtIndex) ? statSync(builtIndex).mtimeMs : 0;
const sourcesAt = Math.max(...SOURCES.map((name) => newestModification(path.join(clientDir, name))));

if (builtAt >= sourcesAt) {
  process.stdout.write('web client: client/dist is up to date\n');
} else {
  process.stdout.write(builtAt === 0 ? 'web client: client/dist is missing; building it\n' : 'web client: sources changed; rebuilding client/dist\n');
  const result = spawnSync('npm', ['run', 'build', '--workspace', 'client'], { cwd: path.join(clientDir, '..'), stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
