/**
 * Runs every test file with node's built-in test runner.
 *
 * Unit tests sit beside the code (`*.test.ts` under server/ and sensor-link/);
 * flows live in test/integration. Each file runs in its own process, so a file
 * may start its own console, database and real services without sharing state.
 * Pass file or folder paths to run a subset: `npm test -- test/integration/health.test.ts`.
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const roots = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['server', 'sensor-link', 'test'];

function findTests(entry: string): string[] {
  const info = statSync(entry);
  if (info.isFile()) return entry.endsWith('.test.ts') ? [entry] : [];
  return readdirSync(entry)
    .filter((name) => name !== 'node_modules' && !name.startsWith('.'))
    .flatMap((name) => findTests(path.join(entry, name)));
}

const files = roots.flatMap(findTests).sort();
if (files.length === 0) {
  console.error(`no test files under ${roots.join(', ')}`);
  process.exit(1);
}

// Two cores: integration files start a console and real services each, so two
// files at a time keeps the machine busy without starving timers under test.
const concurrency = process.env.GARRISON_TEST_CONCURRENCY ?? '2';
// A test that hangs (a socket that never answers) fails under its own name after 10 minutes instead of
// holding CI until its 30-minute limit; the slowest suite takes about 70 s (scheduled backups).
const testTimeoutMs = 600_000;
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, `--test-timeout=${testTimeoutMs}`, '--test-reporter=spec', ...files],
  { stdio: 'inherit' },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
