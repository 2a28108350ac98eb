/**
 * The console as a whole: it starts on its embedded database, answers health over
 * HTTPS with component states, keeps its data across a restart, notices a crash
 * of the database child, and leaves no process or open port behind when stopped.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { portAcceptsConnections } from '../helpers/free-ports.js';
import { request } from '../helpers/https-client.js';
import { startTestConsole, makeTempDir, type TestConsole } from '../helpers/test-console.js';
import { signInAsAdmin } from '../helpers/test-session.js';

interface HealthBody {
  status: string;
  version: string;
  components: Array<{ name: string; state: string; detail: string | null }>;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(100);
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('console lifecycle on the embedded database', () => {
  let dataDir: string;
  let consoleUnderTest: TestConsole;

  before(async () => {
    dataDir = await makeTempDir('lifecycle');
    consoleUnderTest = await startTestConsole({ dataDir });
  });
  after(async () => {
    await consoleUnderTest?.stop();
  });

  it('answers health over HTTPS with every component up', async () => {
    const response = await request<HealthBody>(`${consoleUnderTest.baseUrl}/api/v1/health`, { ca: consoleUnderTest.caPem });
    assert.equal(response.status, 200);
    assert.equal(response.body.status, 'up');
    assert.match(response.body.version, /^\d+\.\d+\.\d+/);
    const byName = new Map(response.body.components.map((component) => [component.name, component]));
    for (const name of ['database', 'scheduler', 'web']) {
      assert.equal(byName.get(name)?.state, 'up', `${name} is up: ${JSON.stringify(response.body.components)}`);
    }
    assert.equal(byName.get('database')?.detail, 'embedded FerretDB');
    assert.match(String(response.headers['content-security-policy']), /default-src 'self'/);
    assert.equal(response.headers['x-powered-by'], undefined);
  });

  it('answers an unknown API path and a malformed body with the one error shape', async () => {
    const anonymous = await request<{ error: { code: string } }>(`${consoleUnderTest.baseUrl}/api/v1/nowhere`, { ca: consoleUnderTest.caPem });
    assert.equal(anonymous.status, 401, 'without credentials no path is revealed, known or not');
    assert.equal(anonymous.body.error.code, 'unauthenticated');
    const { headers } = await signInAsAdmin(consoleUnderTest);
    const missing = await request<{ error: { code: string; message: string } }>(`${consoleUnderTest.baseUrl}/api/v1/nowhere`, { ca: consoleUnderTest.caPem, headers });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'not_found');
    assert.match(missing.body.error.message, /GET \/nowhere/);
    const malformed = await request<{ error: { code: string } }>(`${consoleUnderTest.baseUrl}/api/v1/health`, {
      ca: consoleUnderTest.caPem,
      method: 'POST',
      rawBody: '{"not json',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.error.code, 'bad_request');
  });

  it('refuses TLS 1.1 on the HTTPS listener', async () => {
    const tls = await import('node:tls');
    const outcome = await new Promise<string>((resolve) => {
      const socket = tls.connect({ host: '127.0.0.1', port: consoleUnderTest.httpsPort, maxVersion: 'TLSv1.1', minVersion: 'TLSv1', rejectUnauthorized: false });
      socket.once('secureConnect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.once('error', () => resolve('refused'));
    });
    assert.equal(outcome, 'refused');
  });

  it('notices a crash of the database child and brings it back', async () => {
    const embedded = consoleUnderTest.garrison.database().embedded;
    assert.ok(embedded?.pid, 'the embedded database runs as a child process');
    const states: string[] = [];
    consoleUnderTest.garrison.components.onChange((change) => {
      if (change.current.name === 'database') states.push(change.current.state);
    });
    process.kill(embedded.pid, 'SIGKILL');
    await waitFor('the database to be reported down and then up again', () => states.includes('down') && states.at(-1) === 'up');
    const response = await request<HealthBody>(`${consoleUnderTest.baseUrl}/api/v1/health`, { ca: consoleUnderTest.caPem });
    assert.equal(response.body.components.find((component) => component.name === 'database')?.detail, 'embedded FerretDB (restarted)');
    // The connection works again after the restart.
    await consoleUnderTest.garrison.database().db.collection('probe').insertOne({ _id: 'after-crash' } as never);
  });

  it('keeps its data across a restart and leaves no process or port behind when stopped', async () => {
    const db = consoleUnderTest.garrison.database().db;
    await db.collection<{ _id: string; value: number }>('probe').insertOne({ _id: 'kept', value: 42 });
    const databasePid = consoleUnderTest.garrison.database().embedded?.pid;
    const { httpsPort } = consoleUnderTest;
    assert.ok(databasePid);

    await consoleUnderTest.stop();
    assert.equal(processAlive(databasePid), false, 'the database child is gone');
    assert.equal(await portAcceptsConnections(httpsPort), false, 'the HTTPS port is closed');

    consoleUnderTest = await startTestConsole({ dataDir });
    const kept = await consoleUnderTest.garrison.database().db.collection<{ _id: string; value: number }>('probe').findOne({ _id: 'kept' });
    assert.equal(kept?.value, 42);
  });
});
