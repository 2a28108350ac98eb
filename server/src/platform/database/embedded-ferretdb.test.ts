import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { MongoClient } from 'mongodb';
import { AppError } from '../errors.js';
import { createLogger } from '../logger.js';
import { EmbeddedFerretDb, type EmbeddedFerretDbOptions, type FerretDbDownEvent, type FerretDbUpEvent } from './embedded-ferretdb.js';
import { ensureFerretDbBinary } from './ferretdb-binary.js';
import { portAcceptsConnections } from '../../../../test/helpers/free-ports.js';

const logger = createLogger({ level: 'silent' });
const EVENT_TIMEOUT_MS = 30_000;

/** True while the process exists and is not a zombie waiting to be reaped. */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const giveUpAt = Date.now() + timeoutMs;
  while (Date.now() < giveUpAt) {
    if (condition()) return true;
    await sleep(50);
  }
  return condition();
}

function nextEvent<K extends 'up' | 'down' | 'fatal'>(database: EmbeddedFerretDb, name: K) {
  return once(database, name, { signal: AbortSignal.timeout(EVENT_TIMEOUT_MS) });
}

describe('EmbeddedFerretDb', () => {
  let binaryPath = '';
  let tempRoot = '';
  const started: EmbeddedFerretDb[] = [];
  const clients: MongoClient[] = [];

  function create(dataDir: string, extra: Partial<EmbeddedFerretDbOptions> = {}): EmbeddedFerretDb {
    const database = new EmbeddedFerretDb({ binaryPath, dataDir, logger, ...extra });
    started.push(database);
    return database;
  }

  function client(uri: string): MongoClient {
    const created = new MongoClient(uri, { serverSelectionTimeoutMS: 15_000 });
    clients.push(created);
    return created;
  }

  before(async () => {
    binaryPath = (await ensureFerretDbBinary({ logger })).path;
    tempRoot = await fs.mkdtemp(path.join(os.tmpdir(), 'garrison-embedded-db-'));
  });

  after(async () => {
    await Promise.all(clients.map((created) => created.close().catch(() => undefined)));
    await Promise.all(started.map((database) => database.stop()));
    await fs.rm(tempRoot, { recursive: true, force: true });
  });

  it('starts, answers a ping, keeps its files in <dataDir>/db with mode 0700', async () => {
    const dataDir = path.join(tempRoot, 'first');
    const database = create(dataDir);
    const up = nextEvent(database, 'up');
    const startedAt = Date.now();
    await database.start();
    const [event] = (await up) as [FerretDbUpEvent];
    assert.equal(event.restarted, false);
    assert.equal(event.uri, database.uri);
    assert.ok(event.startMs <= Date.now() - startedAt);
    assert.equal(database.state, 'running');
    assert.match(database.uri, /^mongodb:\/\/127\.0\.0\.1:\d+\/\?directConnection=true$/);

    const driver = client(database.uri);
    const answer = await driver.db('admin').command({ ping: 1 });
    assert.equal(answer.ok, 1);
    const mode = (await fs.stat(path.join(dataDir, 'db'))).mode & 0o777;
    assert.equal(mode, 0o700);
    await driver.db('garrison').collection('probe').insertOne({ written: true });
    assert.ok((await fs.readdir(path.join(dataDir, 'db'))).includes('garrison.sqlite'));
    await database.start(); // already running: a no-op
    // FerretDB waits ~3 s for open client connections on SIGTERM; close them first, as database.close() does.
    await driver.close();
    await database.stop();
  });

  it('keeps data across a stop and a start with the same data directory', async () => {
    const dataDir = path.join(tempRoot, 'persist');
    const firstRun = create(dataDir);
    await firstRun.start();
    const firstClient = client(firstRun.uri);
    await firstClient.db('garrison').collection('sensors').insertMany([{ name: 'alpha' }, { name: 'beta' }]);
    await firstClient.close();
    await firstRun.stop();

    const secondRun = create(dataDir);
    await secondRun.start();
    const secondClient = client(secondRun.uri);
    const names = await secondClient.db('garrison').collection('sensors').distinct('name');
    assert.deepEqual(names.sort(), ['alpha', 'beta']);
    await secondClient.close();
    await secondRun.stop();
  });

  it('notices a killed child (down), restarts it on the same port (up), and the driver carries on', async () => {
    const database = create(path.join(tempRoot, 'crash'), { restart: { initialDelayMs: 50 } });
    await database.start();
    const port = database.port;
    const firstPid = database.pid;
    assert.ok(firstPid !== null && port !== null);
    const driver = client(database.uri);
    await driver.db('garrison').collection('events').insertOne({ n: 1 });

    const down = nextEvent(database, 'down');
    const up = nextEvent(database, 'up');
    process.kill(firstPid, 'SIGKILL');
    const [downEvent] = (await down) as [FerretDbDownEvent];
    assert.equal(downEvent.pid, firstPid);
    assert.equal(downEvent.signal, 'SIGKILL');
    assert.match(downEvent.reason, /killed by SIGKILL/);
    const [upEvent] = (await up) as [FerretDbUpEvent];
    assert.equal(upEvent.restarted, true);
    assert.equal(upEvent.port, port);
    assert.notEqual(upEvent.pid, firstPid);
    assert.equal(database.state, 'running');

    // The same client reaches the restarted server: the address did not change.
    await driver.db('garrison').collection('events').insertOne({ n: 2 });
    assert.equal(await driver.db('garrison').collection('events').countDocuments(), 2);
  });

  it('gives up with a fatal event when the child keeps dying', async () => {
    const database = create(path.join(tempRoot, 'flapping'), { restart: { maxRestarts: 1, windowMs: 60_000, initialDelayMs: 10 } });
    await database.start();
    const firstPid = database.pid;
    assert.ok(firstPid !== null);
    const up = nextEvent(database, 'up');
    process.kill(firstPid, 'SIGKILL');
    await up;
    const secondPid = database.pid;
    assert.ok(secondPid !== null);
    const fatal = nextEvent(database, 'fatal');
    process.kill(secondPid, 'SIGKILL');
    const [fatalEvent] = (await fatal) as [{ error: AppError }];
    assert.ok(fatalEvent.error instanceof AppError);
    assert.equal(fatalEvent.error.code, 'dependency_unavailable');
    assert.match(fatalEvent.error.message, /stopped 2 times within 60 s and is not restarted again. Last problem: FerretDB was killed by SIGKILL/);
    assert.equal(database.state, 'failed');
    assert.equal(database.pid, null);
    await database.stop();
    assert.equal(database.state, 'stopped');
  });

  it('stop() leaves no process and the port closed, and is idempotent', async () => {
    const database = create(path.join(tempRoot, 'stop'));
    await database.start();
    const pid = database.pid;
    const port = database.port;
    assert.ok(pid !== null && port !== null);
    const exitListeners = process.listenerCount('exit');

    await Promise.all([database.stop(), database.stop()]);
    await database.stop();
    assert.equal(database.state, 'stopped');
    assert.equal(isRunning(pid), false);
    assert.equal(await portAcceptsConnections(port), false);
    assert.equal(process.listenerCount('exit'), exitListeners - 1);
  });

  it('reports a server that cannot start with a clear error and leaves nothing running', async () => {
    const database = create(path.join(tempRoot, 'broken'), { binaryPath: '/bin/false' });
    const exitListeners = process.listenerCount('exit');
    await assert.rejects(database.start(), (error: unknown) => {
      assert.ok(error instanceof AppError);
      assert.equal(error.code, 'dependency_unavailable');
      assert.match(error.message, /The embedded database \(FerretDB\) did not start: FerretDB exited with code 1/);
      return true;
    });
    assert.equal(database.state, 'stopped');
    assert.equal(process.listenerCount('exit'), exitListeners);
  });

  it('can be stopped while it is starting, and then leaves nothing running', async () => {
    const database = create(path.join(tempRoot, 'stop-while-starting'));
    const starting = database.start();
    const stopping = database.stop();
    await assert.rejects(starting, (error: unknown) => error instanceof AppError && error.code === 'dependency_unavailable');
    await stopping;
    assert.equal(database.state, 'stopped');
    assert.equal(database.pid, null);
    assert.ok(database.port !== null);
    assert.equal(await portAcceptsConnections(database.port), false);
  });

  it("sends FerretDB's output to the logger (its per-request WARN lines at debug), never to standard output", async () => {
    const lines: string[] = [];
    const capture = createLogger({ level: 'debug', destination: { write: (line: string) => void lines.push(line) } });
    const database = create(path.join(tempRoot, 'logging'), { logger: capture });
    const stdoutWrites: string[] = [];
    const originalWrite = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      stdoutWrites.push(String(chunk));
      return originalWrite(chunk, ...rest);
    }) as typeof process.stdout.write;
    try {
      await database.start();
      const driver = client(database.uri);
      // An unknown command makes FerretDB log the failed response at WARN.
      await assert.rejects(driver.db('admin').command({ noSuchCommand: 1 }));
      await driver.close();
      await database.stop();
    } finally {
      process.stdout.write = originalWrite;
    }
    const records = lines.map((line) => JSON.parse(line) as { level: string; msg: string; component?: string; ferretdb?: { level?: string } });
    const fromFerretDb = records.filter((record) => record.msg.startsWith('FerretDB'));
    assert.ok(fromFerretDb.length > 0, 'FerretDB lines reached the logger');
    assert.ok(fromFerretDb.every((record) => record.component === 'embedded-database'));
    assert.ok(fromFerretDb.some((record) => record.ferretdb?.level === 'WARN' && record.level === 'debug'));
    assert.ok(records.some((record) => record.msg === 'embedded database is up' && record.level === 'info'));
    // Neither FerretDB's raw JSON lines nor our records of them were written to standard output.
    assert.equal(stdoutWrites.filter((chunk) => chunk.includes('"source":{"function"') || chunk.includes('"msg":"FerretDB')).length, 0);
  });

  it('refuses a data directory the SQLite URL cannot express', () => {
    assert.throws(() => create(path.join(tempRoot, 'what?')), (error: unknown) => error instanceof AppError && error.code === 'validation_failed');
  });

  it('does not outlive its parent process, even one killed with SIGKILL', async () => {
    const dataDir = path.join(tempRoot, 'orphan');
    // .mts: the temp folder has no package.json saying "module", and the script uses top-level await.
    const script = path.join(tempRoot, 'orphan-parent.mts');
    const moduleUrl = pathToFileURL(path.resolve('server/src/platform/database/embedded-ferretdb.ts')).href;
    const loggerUrl = pathToFileURL(path.resolve('server/src/platform/logger.ts')).href;
    await fs.writeFile(
      script,
      [
        `import { EmbeddedFerretDb } from ${JSON.stringify(moduleUrl)};`,
        `import { createLogger } from ${JSON.stringify(loggerUrl)};`,
        `const database = new EmbeddedFerretDb({ binaryPath: process.argv[2], dataDir: process.argv[3], logger: createLogger({ level: 'silent' }) });`,
        'await database.start();',
        'process.stdout.write(`${database.pid}\\n`);',
        'setInterval(() => undefined, 60_000);',
      ].join('\n'),
    );
    const parent = spawn(process.execPath, ['--import', 'tsx', script, binaryPath, dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let childPid: number | null = null;
    try {
      const [firstLine] = (await once(parent.stdout, 'data', { signal: AbortSignal.timeout(EVENT_TIMEOUT_MS) })) as [Buffer];
      childPid = Number.parseInt(firstLine.toString('utf8'), 10);
      assert.ok(Number.isInteger(childPid) && isRunning(childPid));
      parent.kill('SIGKILL');
      assert.equal(await waitUntil(() => childPid !== null && !isRunning(childPid), 10_000), true, 'FerretDB outlived its killed parent');
    } finally {
      parent.kill('SIGKILL');
      if (childPid !== null && isRunning(childPid)) process.kill(childPid, 'SIGKILL');
    }
  });
});
