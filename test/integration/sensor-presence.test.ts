/**
 * Presence as the fleet records it: connected → unreachable (clean close, or
 * a silent link noticed by the ping timeout) → disconnected after the grace
 * period → connected again, each with its reason; and health reports batched
 * into the sensor record with a clock skew.
 */
import assert from 'node:assert/strict';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../helpers/free-ports.js';
import { freezableRelay } from '../helpers/link-peers.js';
import { startTestConsole, type TestConsole } from '../helpers/test-console.js';
import { createTestSensor, sensorRecord, standingConnectionString, type TestSensor } from '../helpers/test-sensors.js';
import { signInAsAdmin } from '../helpers/test-session.js';

/** Short link timings, through the console's config (as the GARRISON_LINK_* variables would set them). */
const LINK_ENV = {
  GARRISON_LINK_GRACE_MS: '1500',
  GARRISON_LINK_PING_INTERVAL_MS: '400',
  GARRISON_LINK_PING_TIMEOUT_MS: '600',
  GARRISON_LINK_HEALTH_INTERVAL_MS: '300',
};

let testConsole: TestConsole;
let standing = '';
const sensors: TestSensor[] = [];

before(async () => {
  testConsole = await startTestConsole({ env: LINK_ENV });
  const admin = await signInAsAdmin(testConsole);
  standing = (await standingConnectionString(testConsole, admin.headers)).connectionString;
});
after(async () => {
  await Promise.all(sensors.map((sensor) => sensor.stop()));
  await testConsole?.destroy();
});

async function enrolled(name: string): Promise<{ sensor: TestSensor; sensorId: string }> {
  const sensor = await createTestSensor(name);
  sensors.push(sensor);
  const result = await sensor.enroll(standing);
  return { sensor, sensorId: result.sensorId };
}

async function presence(sensorId: string): Promise<{ state: unknown; reason: unknown }> {
  const record = await sensorRecord(testConsole, sensorId);
  return { state: record?.state, reason: record?.stateReason };
}

async function waitForPresence(sensorId: string, state: string, reason: string, timeoutMs: number): Promise<number> {
  const startedAt = Date.now();
  await waitFor(
    async () => {
      const current = await presence(sensorId);
      return current.state === state && current.reason === reason;
    },
    timeoutMs,
    () => `${state} (${reason})`,
  );
  return Date.now() - startedAt;
}

describe('sensor presence', () => {
  it('goes connected → unreachable on a clean close (≤ 2 s) → disconnected after the grace period → connected again', async () => {
    const { sensor, sensorId } = await enrolled('presence-01');
    await sensor.link();
    await sensor.waitForState('connected');
    await waitForPresence(sensorId, 'connected', 'link-established', 2000);

    sensor.client?.stop();
    const unreachableAfter = await waitForPresence(sensorId, 'unreachable', 'closed-by-sensor', 2000);
    assert.ok(unreachableAfter <= 2000);
    const disconnectedAfter = await waitForPresence(sensorId, 'disconnected', 'grace-period-elapsed', 5000);
    assert.ok(disconnectedAfter >= 800, `the grace period (1.5 s) passed first, took ${disconnectedAfter} ms`);

    await sensor.link();
    await sensor.waitForState('connected');
    await waitForPresence(sensorId, 'connected', 'link-established', 2000);
  });

  it('stays connected when the sensor is back inside the grace period', async () => {
    const { sensor, sensorId } = await enrolled('presence-02');
    await sensor.link();
    await waitForPresence(sensorId, 'connected', 'link-established', 5000);
    sensor.client?.stop();
    await waitForPresence(sensorId, 'unreachable', 'closed-by-sensor', 2000);
    await sensor.link();
    await waitForPresence(sensorId, 'connected', 'link-established', 2000);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    assert.deepEqual(await presence(sensorId), { state: 'connected', reason: 'link-established' });
  });

  it('notices a silently dead link through the ping timeout', async () => {
    const { sensor, sensorId } = await enrolled('presence-03');
    const relay = await freezableRelay(testConsole.linkPort);
    try {
      const linkFile = path.join(sensor.store.directory, 'link.json');
      const state = await sensor.store.load();
      assert.ok(state);
      await writeFile(linkFile, JSON.stringify({ sensorId: state.sensorId, sensorName: state.sensorName, consoleAddresses: [`127.0.0.1:${relay.port}`], enrolledAt: state.enrolledAt }));
      await sensor.link();
      await waitForPresence(sensorId, 'connected', 'link-established', 5000);
      relay.freeze();
      // Ping interval + timeout is 1 s here (25 s in production); the margin covers a loaded test machine.
      const noticedAfter = await waitForPresence(sensorId, 'unreachable', 'ping-timeout', 6000);
      assert.ok(noticedAfter <= 4000, `noticed after ${noticedAfter} ms`);
    } finally {
      sensor.client?.stop();
      await relay.close();
    }
  });

  it('records health in batches with the capture counters, disk use and clock skew', async () => {
    const { sensor, sensorId } = await enrolled('presence-04');
    await writeFile(path.join(sensor.core.root, 'stats.json'), JSON.stringify({ packets: 0, bytes: 0 }));
    await sensor.link();
    await sensor.waitForState('connected');
    // The core's counters keep growing, as a capturing core's do: about 10,000 packets/s.
    let packets = 0;
    const capturing = setInterval(() => {
      packets += 1000;
      // Atomically, as a core should: a half-written file would be unreadable.
      const temporary = path.join(sensor.core.root, `stats.${packets}.tmp`);
      void writeFile(temporary, JSON.stringify({ packets, bytes: packets * 500 })).then(() => rename(temporary, path.join(sensor.core.root, 'stats.json')));
    }, 100);
    try {
      await waitFor(
        async () => {
          const health = (await sensorRecord(testConsole, sensorId))?.health as { packetsPerSecond?: number } | null;
          return (health?.packetsPerSecond ?? 0) > 1000;
        },
        8000,
        () => 'a health report with a packet rate',
      );
    } finally {
      clearInterval(capturing);
    }
    const health = (await sensorRecord(testConsole, sensorId))?.health as Record<string, number>;
    assert.ok(health.diskUsedPercent !== undefined && health.diskUsedPercent > 0 && health.diskUsedPercent <= 100);
    assert.ok(Math.abs(Number(health.clockSkewMs)) < 1000, `same host, skew ${health.clockSkewMs} ms`);
    assert.ok(health.uptimeSeconds !== undefined && health.uptimeSeconds > 0);
  });
});
