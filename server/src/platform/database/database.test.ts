import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { createLogger } from '../logger.js';
import { lockDataDirectory } from './data-directory-lock.js';
import { databaseNameFromUri, isDuplicateKeyError, openDatabase, redactUri } from './database.js';
import { EmbeddedFerretDb } from './embedded-ferretdb.js';
import { ensureFerretDbBinary } from './ferretdb-binary.js';

const logger = createLogger({ level: 'silent' });

describe('databaseNameFromUri', () => {
  it('reads the database from the path, and null when there is none', () => {
    assert.equal(databaseNameFromUri('mongodb://127.0.0.1:27017/'), null);
    assert.equal(databaseNameFromUri('mongodb://127.0.0.1:27017'), null);
    assert.equal(databaseNameFromUri('mongodb://127.0.0.1:27017/?directConnection=true'), null);
    assert.equal(databaseNameFromUri('mongodb://user:p%40ss@a:1,b:2,c:3/console?replicaSet=rs0'), 'console');
    assert.equal(databaseNameFromUri('mongodb+srv://cluster.example/garrison-prod'), 'garrison-prod');
  });
});

describe('redactUri', () => {
  it('hides the password and keeps the rest', () => {
    assert.equal(redactUri('mongodb://admin:s3cret@a:1,b:2/garrison?replicaSet=rs0'), 'mongodb://admin:••••@a:1,b:2/garrison?replicaSet=rs0');
    assert.equal(redactUri('mongodb+srv://admin:s3cret@cluster.example/'), 'mongodb+srv://admin:••••@cluster.example/');
    assert.equal(redactUri('mongodb://127.0.0.1:27017/'), 'mongodb://127.0.0.1:27017/');
  });
});

describe('isDuplicateKeyError', () => {
  it('recognises MongoDB and FerretDB duplicate-key shapes and nothing else', () => {
    assert.equal(isDuplicateKeyError({ code: 11000, message: 'E11000 duplicate key' }), true);
    assert.equal(isDuplicateKeyError({ code: 1, message: 'constraint failed: UNIQUE constraint failed: index (2067)' }), true);
    assert.equal(isDuplicateKeyError({ code: 1, message: 'disk I/O error' }), false);
    assert.equal(isDuplicateKeyError({ writeErrors: [{ code: 11000 }, { code: 11000 }] }), true);
    assert.equal(isDuplicateKeyError({ writeErrors: { code: 11000 } }), true);
    assert.equal(isDuplicateKeyError({ writeErrors: [{ code: 11000 }, { code: 121 }] }), false);
    assert.equal(isDuplicateKeyError(null), false);
  });
});

describe('openDatabase', () => {
  let tempDir = '';
  let binaryPath = '';
  const cleanups: Array<() => Promise<void>> = [];

  before(async () => {
    tempDir = await fs.mkdtemp(path.join(os.tmpdir(), 'garrison-open-database-'));
    binaryPath = (await ensureFerretDbBinary({ logger })).path;
  });

  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await fs.rm(tempDir, { recursive: true, force: true });
  });

  it('without a URI starts the embedded server and uses the "garrison" database; close() stops both, twice is fine', async () => {
    const database = await openDatabase({ dataDir: path.join(tempDir, 'embedded'), logger });
    cleanups.push(() => database.close());
    assert.ok(database.embedded);
    assert.equal(database.uri, database.embedded.uri);
    assert.equal(database.db.databaseName, 'garrison');
    assert.equal(database.connection.name, 'garrison');
    assert.notEqual(database.connection, mongoose.connection, 'not the global connection');

    const Probe = database.connection.model('Probe', new mongoose.Schema({ name: String }), 'probes');
    await Probe.create({ name: 'through mongoose' });
    assert.equal(await database.db.collection('probes').countDocuments({ name: 'through mongoose' }), 1, 'same database through the driver');

    await Promise.all([database.close(), database.close()]);
    await database.close();
    assert.equal(database.embedded.state, 'stopped');
    assert.equal(database.connection.readyState, mongoose.ConnectionStates.disconnected);
  });

  it('with a URI connects to it, uses the database it names, and leaves the server running on close()', async () => {
    const server = new EmbeddedFerretDb({ binaryPath, dataDir: path.join(tempDir, 'external'), logger });
    cleanups.push(() => server.stop());
    await server.start();
    const uri = `mongodb://127.0.0.1:${server.port}/console-test?directConnection=true`;

    const database = await openDatabase({ mongodbUri: uri, dataDir: path.join(tempDir, 'unused'), logger });
    cleanups.push(() => database.close());
    assert.equal(database.embedded, null);
    assert.equal(database.uri, uri);
    assert.equal(database.db.databaseName, 'console-test');
    await database.db.collection('probes').insertOne({ ok: true });
    await database.close();

    assert.equal(server.state, 'running');
    await assert.rejects(fs.stat(path.join(tempDir, 'unused', 'db')), { code: 'ENOENT' });
  });
});

describe('embedded data directory lock', () => {
  it('refuses a second process on a data directory in use, and names the owner', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'garrison-lock-'));
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      await fs.mkdir(path.join(dataDir, 'db'), { recursive: true });
      await fs.writeFile(path.join(dataDir, 'db', 'garrison.lock'), `${sleeper.pid}\n`);
      await assert.rejects(lockDataDirectory(dataDir), new RegExp(`pid ${sleeper.pid}\\) is using the embedded database`));
      sleeper.kill('SIGKILL');
      await new Promise((resolve) => sleeper.once('exit', resolve));
      const lock = await lockDataDirectory(dataDir);
      await lock.release();
      const again = await lockDataDirectory(dataDir);
      await again.release();
    } finally {
      sleeper.kill('SIGKILL');
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });
});
