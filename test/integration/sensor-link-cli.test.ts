/**
 * The sensor-link command line and its local connection page, as an operator
 * uses them: `connect <string>` enrols; `run` links and serves the page on
 * 127.0.0.1, which explains a bad string in words.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { access, rm } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../helpers/free-ports.js';
import { makeTempDir, startTestConsole, type TestConsole } from '../helpers/test-console.js';
import { standingConnectionString } from '../helpers/test-sensors.js';
import { signInAsAdmin } from '../helpers/test-session.js';

const execFileAsync = promisify(execFile);
const CLI = path.resolve('sensor-link/src/cli.ts');

let testConsole: TestConsole;
let standing = '';
let stateDir = '';
let running: ChildProcess | null = null;

before(async () => {
  testConsole = await startTestConsole();
  standing = (await standingConnectionString(testConsole, (await signInAsAdmin(testConsole)).headers)).connectionString;
  stateDir = await makeTempDir('cli-sensor');
});
after(async () => {
  running?.kill('SIGTERM');
  await rm(stateDir, { recursive: true, force: true });
  await testConsole?.destroy();
});

function pageRequest(port: number, method: string, pathname: string, options: { body?: string; host?: string } = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path: pathname, headers: { host: options.host ?? `127.0.0.1:${port}`, ...(options.body ? { 'content-type': 'application/json' } : {}) } },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('sensor-link CLI', () => {
  it('explains a bad connection string and exits 1', async () => {
    await assert.rejects(execFileAsync(process.execPath, ['--import', 'tsx', CLI, 'connect', 'GRS1.eyJh', '--state-dir', stateDir]), (error: { code: number; stderr: string }) => {
      assert.equal(error.code, 1);
      assert.match(error.stderr, /The connection string is truncated/);
      return true;
    });
  });

  it('connects with a string, then runs the link and serves the connection page', async () => {
    const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', CLI, 'connect', standing, '--name', 'cli-01', '--state-dir', stateDir]);
    assert.match(stdout, /Connected\. Start the link with: sensor-link run/);
    await access(path.join(stateDir, 'key.pem'));

    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'run', '--state-dir', stateDir, '--page-port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    running = child;
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await waitFor(() => /Linked to the console/.test(stderr) && /connection page: http:\/\/127\.0\.0\.1:\d+/i.test(stderr), 20_000, () => stderr);
    const port = Number(/127\.0\.0\.1:(\d+)\//.exec(stderr)?.[1]);

    const page = await pageRequest(port, 'GET', '/');
    assert.equal(page.status, 200);
    assert.match(page.text, /Management Console Connection/);
    assert.doesNotMatch(page.text, /src="http|href="http/, 'no external assets');
    const status = JSON.parse((await pageRequest(port, 'GET', '/status')).text) as { enrolled: boolean; sensorName: string; link: { state: string } };
    assert.deepEqual([status.enrolled, status.sensorName, status.link.state], [true, 'cli-01', 'connected']);

    assert.equal((await pageRequest(port, 'GET', '/status', { host: 'attacker.example' })).status, 421, 'DNS rebinding is refused');
    assert.equal((await pageRequest(port, 'POST', '/connect', { body: JSON.stringify({ connectionString: 'GRS7.abc.defghijk' }) })).status, 202);
    await waitFor(
      async () => /version GRS7, which this sensor-link does not know/.test((await pageRequest(port, 'GET', '/status')).text),
      10_000,
      () => 'the page explains the unknown version',
    );

    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    running = null;
  });
});
