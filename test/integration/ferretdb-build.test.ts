/**
 * Builds FerretDB from source into an empty cache, as a fresh machine does once.
 * Slow (one to two minutes with a warm Go module cache; more on a cold one).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../server/src/platform/logger.js';
import { FERRETDB_VERSION, cachedFerretDbPath, ensureFerretDbBinary, readBinaryVersion } from '../../server/src/platform/database/ferretdb-binary.js';
import { FERRETDB_PATCH_LEVEL } from '../../server/src/platform/database/ferretdb-patches.js';

const logger = createLogger({ level: 'silent' });

describe('FerretDB binary build', () => {
  const cleanups: string[] = [];
  after(async () => {
    for (const dir of cleanups) await fs.rm(dir, { recursive: true, force: true });
  });

  it('builds the pinned version into an empty cache once, even when two callers ask at the same time and a stale lock is left over', { timeout: 15 * 60_000 }, async (t) => {
    const cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'garrison-ferretdb-cache-'));
    cleanups.push(cacheDir);
    const env = { ...process.env, GARRISON_CACHE_DIR: cacheDir, GARRISON_FERRETDB_BIN: '' };
    const target = cachedFerretDbPath(cacheDir);
    assert.equal(target, path.join(cacheDir, 'ferretdb', `${FERRETDB_VERSION}-${FERRETDB_PATCH_LEVEL}`, 'ferretdb'));

    // A lock left by a builder that died: its pid is of a process that has exited.
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
    const lockDir = `${path.dirname(target)}.lock`;
    await fs.mkdir(lockDir, { recursive: true });
    await fs.writeFile(path.join(lockDir, 'owner.json'), JSON.stringify({ pid: deadPid, hostname: os.hostname(), startedAt: Date.now() }));

    const [first, second] = await Promise.all([ensureFerretDbBinary({ logger, env }), ensureFerretDbBinary({ logger, env })]);
    const sources = [first.source, second.source].sort();
    assert.deepEqual(sources, ['built', 'cache'], 'exactly one caller built it; the other waited and used it');
    const built = first.source === 'built' ? first : second;
    t.diagnostic(`build took ${built.buildMs} ms`);
    assert.equal(first.path, target);
    assert.equal(second.path, target);
    assert.equal(await readBinaryVersion(target), FERRETDB_VERSION);
    assert.ok((await fs.readFile(target)).includes('garrisonWhereClause'), "the binary carries Garrison's pushdown patch");

    const leftovers = await fs.readdir(path.dirname(path.dirname(target)));
    assert.deepEqual(leftovers, [`${FERRETDB_VERSION}-${FERRETDB_PATCH_LEVEL}`], 'no lock directory left behind');
    assert.deepEqual(await fs.readdir(path.dirname(target)), ['ferretdb'], 'no partial binary left behind');

    const again = await ensureFerretDbBinary({ logger, env });
    assert.equal(again.source, 'cache');
    const overridden = await ensureFerretDbBinary({ logger, env: { ...env, GARRISON_FERRETDB_BIN: target } });
    assert.deepEqual(overridden, { path: target, source: 'override' });
  });
});
