import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FleetService, HealthUpdate, PresenceUpdate } from '../modules/fleet/fleet-service-contract.js';
import { createLogger } from '../platform/logger.js';
import { PresenceTracker } from './presence-tracker.js';

/** Only what the tracker calls; every other method fails loudly if reached. */
function recordingFleet(options: { failPresence?: () => boolean; healthTakesMs?: number } = {}) {
  const presence: PresenceUpdate[] = [];
  const health: HealthUpdate[][] = [];
  /** Per recordHealth call, the sensors it was asked to write. */
  const written: string[][] = [];
  const unexpected = () => Promise.reject(new Error('not used by the presence tracker'));
  const fleet: FleetService = {
    async updatePresence(updates) {
      if (options.failPresence?.()) throw new Error('database unavailable');
      presence.push(...updates);
    },
    async recordHealth(updates, write) {
      await sleep(options.healthTakesMs ?? 0);
      health.push(updates);
      written.push(updates.map((update) => update.sensorId).filter((sensorId) => !write || write.has(sensorId)));
    },
    recordEnrollment: unexpected,
    findById: unexpected,
    findByCertificateSerial: unexpected,
    checkLinkCertificate: unexpected,
    checkLinkCertificates: unexpected,
    recordRenewedCertificate: unexpected,
    revoke: unexpected,
    revokedSerials: unexpected,
    linkedSensorIds: unexpected,
  };
  return { fleet, presence, health, written };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const logger = createLogger({ level: 'silent' });

function healthUpdate(sensorId: string, at: number): HealthUpdate {
  const date = new Date(at);
  return {
    sensorId,
    lastSeenAt: date,
    health: { receivedAt: date, sensorTime: date, clockSkewMs: 0, packetsPerSecond: 1, bytesPerSecond: 1, diskUsedPercent: 1, uptimeSeconds: 1 },
  };
}

describe('PresenceTracker', () => {
  it('moves an unreachable sensor to disconnected once the grace period passed, and not before', async () => {
    const { fleet, presence } = recordingFleet();
    const tracker = new PresenceTracker({ fleet: () => fleet, logger, graceMs: 400 });
    tracker.start();
    tracker.connected('a');
    tracker.connected('b');
    tracker.unreachable('a', 'closed-by-sensor');
    await sleep(200);
    tracker.unreachable('b', 'ping-timeout');
    await sleep(320);
    assert.deepEqual(presence.map((update) => `${update.sensorId}:${update.state}:${update.reason}`), [
      'a:connected:link-established',
      'b:connected:link-established',
      'a:unreachable:closed-by-sensor',
      'b:unreachable:ping-timeout',
      'a:disconnected:grace-period-elapsed',
    ]);
    tracker.connected('b');
    await sleep(500);
    assert.equal(presence.filter((update) => update.sensorId === 'b' && update.state === 'disconnected').length, 0, 'b came back in time');
    assert.equal(tracker.pendingGraceCount(), 0);
    await tracker.stop();
  });

  it('batches health: one recordHealth per flush with the newest report per sensor', async () => {
    const { fleet, health } = recordingFleet();
    const tracker = new PresenceTracker({ fleet: () => fleet, logger, graceMs: 60_000 });
    tracker.start();
    for (let beat = 0; beat < 50; beat += 1) for (const sensorId of ['a', 'b', 'c']) tracker.health(healthUpdate(sensorId, 1000 + beat));
    await tracker.stop();
    assert.equal(health.length, 1);
    assert.deepEqual(health[0]?.map((update) => [update.sensorId, update.lastSeenAt.getTime()]), [['a', 1049], ['b', 1049], ['c', 1049]]);
  });

  it('keeps presence changes in order and retries them when the database refuses a write', async () => {
    let failures = 2;
    const { fleet, presence } = recordingFleet({ failPresence: () => failures-- > 0 });
    const tracker = new PresenceTracker({ fleet: () => fleet, logger, graceMs: 60_000 });
    tracker.start();
    tracker.connected('a');
    tracker.unreachable('a', 'closed-by-sensor');
    await sleep(900);
    tracker.connected('a');
    await tracker.stop();
    assert.deepEqual(presence.map((update) => update.state), ['connected', 'unreachable', 'connected']);
  });

  it('records a closed link while a long health flush is still running', async () => {
    const { fleet, presence, health } = recordingFleet({ healthTakesMs: 3000 });
    const tracker = new PresenceTracker({ fleet: () => fleet, logger, graceMs: 60_000 });
    tracker.start();
    tracker.health(healthUpdate('a', 1000));
    // The first health flush starts after ~2 s and takes 3 s; the link closes in the middle of it.
    await sleep(2600);
    assert.equal(health.length, 0, 'the health flush is still in progress');
    const closedAt = Date.now();
    tracker.unreachable('a', 'closed-by-sensor');
    while (!presence.some((update) => update.state === 'unreachable') && Date.now() - closedAt < 5000) await sleep(20);
    assert.ok(Date.now() - closedAt < 1000, `recorded ${Date.now() - closedAt} ms after the close, not after the health flush`);
    assert.equal(health.length, 0, 'and before the health flush finished');
    await tracker.stop();
    assert.equal(health.length, 1);
  });

  it('spaces out health writes on a large fleet, publishes every report, and writes the newest when a link closes or the tracker stops', async () => {
    const { fleet, health, written } = recordingFleet();
    let clock = 0;
    const tracker = new PresenceTracker({ fleet: () => fleet, logger, graceMs: 60_000, now: () => clock });
    tracker.start();
    const sensors = Array.from({ length: 3000 }, (_, index) => `s${index}`);
    /** Every sensor reports at `at`; the clock moves past the next flush, which is awaited. */
    const reportAll = async (at: number) => {
      clock = at;
      for (const sensorId of sensors) tracker.health(healthUpdate(sensorId, at));
      await flushAt(at + 2000);
    };
    const flushAt = async (at: number) => {
      const calls = health.length;
      clock = at;
      while (health.length === calls) await sleep(20);
    };
    await reportAll(0);
    assert.equal(written.at(-1)?.length, 3000, 'first reports: all written');
    // 3,000 sensors at 50 writes a second: each is written every 60 s; reports in between are published only.
    await reportAll(30_000);
    assert.equal(health.at(-1)?.length, 3000, 'every report is published');
    assert.equal(written.at(-1)?.length, 0, 'none written 30 s after the last write');
    tracker.unreachable('s7', 'closed-by-sensor');
    await flushAt(34_000);
    assert.deepEqual(written.at(-1), ['s7'], 'the closed link gets its newest report written');
    assert.equal(health.at(-1)?.[0]?.lastSeenAt.getTime(), 30_000);
    await reportAll(62_000);
    assert.equal(written.at(-1)?.length, 2999, 'written again once 60 s have passed');
    assert.ok(!written.at(-1)?.includes('s7'), 's7 was written 30 s ago');
    clock = 70_000;
    for (const sensorId of sensors.slice(0, 10)) tracker.health(healthUpdate(sensorId, 70_000));
    await flushAt(72_000);
    assert.equal(written.at(-1)?.length, 0);
    await tracker.stop();
    assert.deepEqual(new Set(written.at(-1)), new Set(sensors.slice(0, 10)), 'stopping writes what was published but not written');
  });

  it('writes every report of a small fleet', async () => {
    const { fleet, written } = recordingFleet();
    let clock = 0;
    const tracker = new PresenceTracker({ fleet: () => fleet, logger, graceMs: 60_000, now: () => clock });
    tracker.start();
    for (const at of [0, 30_000, 60_000]) {
      clock = at;
      for (const sensorId of ['a', 'b', 'c']) tracker.health(healthUpdate(sensorId, at));
      const calls = written.length;
      clock = at + 2000;
      while (written.length === calls) await sleep(20);
      assert.deepEqual(written.at(-1), ['a', 'b', 'c'], `at ${at}`);
    }
    await tracker.stop();
  });
});
