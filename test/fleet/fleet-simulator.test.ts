/**
 * Smoke test of the fleet simulator: five simulated sensors (real enrolment and
 * LinkClient, two worker processes) against a test console show as connected
 * through the sensors API; stopping the fleet closes their links cleanly, so
 * the console shows them unreachable, and removes their state folders.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import os from 'node:os';
import { after, before, describe, it } from 'node:test';
import { startTestConsole, type TestConsole } from '../helpers/test-console.js';
import { standingConnectionString } from '../helpers/test-sensors.js';
import { api, signInAsAdmin, type SignedIn } from '../helpers/test-session.js';
import { startFleet, type RunningFleet } from './fleet-simulator.js';

interface SensorList {
  items: Array<{ name: string; state: string }>;
  total: number;
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== null) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('fleet simulator', () => {
  let testConsole: TestConsole;
  let admin: SignedIn;
  let fleet: RunningFleet | null = null;

  before(async () => {
    testConsole = await startTestConsole();
    admin = await signInAsAdmin(testConsole);
  });
  after(async () => {
    await fleet?.stop();
    await testConsole?.destroy();
  });

  it('links five simulated sensors that the API shows connected, then stops cleanly', async () => {
    const { connectionString } = await standingConnectionString(testConsole, admin.headers);
    const foldersBefore = new Set((await readdir(os.tmpdir())).filter((name) => name.startsWith('garrison-fleet-')));
    const lines: string[] = [];
    fleet = await startFleet(
      { sensors: 5, 'connect-rate': 10, churn: 0, 'silent-deaths': 0, workers: 2, 'connection-string': connectionString, 'shared-key': false, 'status-every-ms': 500 },
      (line) => lines.push(line),
    );

    const listed = async (state: string) => {
      const response = await api<SensorList>(testConsole, 'GET', `/sensors?state=${state}&limit=50`, { headers: admin.headers });
      assert.equal(response.status, 200, response.text);
      return response.body;
    };
    const connected = await waitFor('five connected sensors', 90_000, async () => {
      const list = await listed('connected');
      return list.total === 5 ? list : null;
    });
    assert.deepEqual(connected.items.map((sensor) => sensor.name).sort(), ['sim-00000', 'sim-00001', 'sim-00002', 'sim-00003', 'sim-00004']);
    await waitFor('a status line with all five connected', 10_000, async () => (lines.some((line) => line.includes('5/5 connected')) ? true : null));
    assert.equal(fleet.counts().connected, 5);

    await fleet.stop();
    fleet = null;
    // A clean close: the console marks each link unreachable at once (not after a ping timeout).
    const unreachable = await waitFor('five unreachable sensors', 15_000, async () => {
      const list = await listed('unreachable');
      return list.total === 5 ? list : null;
    });
    assert.equal(unreachable.total, 5);
    const foldersAfter = (await readdir(os.tmpdir())).filter((name) => name.startsWith('garrison-fleet-') && !foldersBefore.has(name));
    assert.deepEqual(foldersAfter, [], 'the simulator removes its state folders');
  });
});
