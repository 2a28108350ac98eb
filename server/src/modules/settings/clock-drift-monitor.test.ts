/**
 * Clock drift through the running console's event bus: one 'detected' when the
 * skew passes 60 s, nothing while it stays between the clear level and the
 * threshold, one 'cleared' when it is back, and no repeat after a restart
 * (the state is in the database).
 */
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestConsole, type TestConsole } from '../../../../test/helpers/test-console.js';
import { EventBus } from '../../platform/event-bus.js';
import type { SensorHealthReported } from '../fleet/fleet-events.js';
import { ClockDriftMonitor } from './clock-drift-monitor.js';
import type { SensorClockDrift } from './settings-events.js';
import { settingsModels } from './settings-model.js';

let testConsole: TestConsole;
before(async () => {
  testConsole = await startTestConsole();
});
after(() => testConsole.destroy());

function report(sensorId: string, clockSkewMs: number): SensorHealthReported {
  return { sensorId, sensorName: 'sensor-clock', siteId: null, zoneId: null, clockSkewMs, packetsPerSecond: 10, diskUsedPercent: 5, at: new Date() };
}

async function settle(events: SensorClockDrift[], expected: number): Promise<void> {
  for (let attempt = 0; attempt < 100 && events.length < expected; attempt += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  // A little longer, so an unexpected extra event would be seen too.
  await new Promise((resolve) => setTimeout(resolve, 100));
}

test('drift is detected once and cleared once, with hysteresis, on the console bus', async () => {
  const bus = testConsole.garrison.events;
  const sensorId = randomUUID();
  const seen: SensorClockDrift[] = [];
  const unsubscribe = bus.on('sensor.clock-drift', (event) => void seen.push(event));
  try {
    for (const skew of [1_000, 61_000, 62_000, -45_000, 40_000]) bus.publish('sensor.health-reported', report(sensorId, skew));
    await settle(seen, 1);
    assert.deepEqual(seen.map((event) => [event.state, event.clockSkewMs]), [['detected', 61_000]]);
    assert.equal(seen[0]?.thresholdMs, 60_000);

    for (const skew of [20_000, 10_000, 5_000]) bus.publish('sensor.health-reported', report(sensorId, skew));
    await settle(seen, 2);
    assert.deepEqual(seen.map((event) => event.state), ['detected', 'cleared']);

    bus.publish('sensor.health-reported', report(sensorId, -70_000));
    await settle(seen, 3);
    assert.deepEqual(seen.map((event) => event.state), ['detected', 'cleared', 'detected'], 'a negative skew counts as drift too');

    // Another monitor (a restarted console) over the same database does not raise the same transition again.
    const otherBus = new EventBus(testConsole.garrison.logger);
    const restarted = new ClockDriftMonitor(settingsModels(testConsole.garrison.database().connection), otherBus, testConsole.garrison.logger);
    const seenAfterRestart: SensorClockDrift[] = [];
    otherBus.on('sensor.clock-drift', (event) => void seenAfterRestart.push(event));
    restarted.start();
    otherBus.publish('sensor.health-reported', report(sensorId, -80_000));
    await restarted.idle();
    assert.equal(seenAfterRestart.length, 0, "no repeat of the detected transition");
    otherBus.publish('sensor.health-reported', report(sensorId, 0));
    await restarted.idle();
    assert.deepEqual(seenAfterRestart.map((event) => event.state), ['cleared']);
    restarted.stop();
  } finally {
    unsubscribe();
  }
});

test('the threshold and clear level are configurable', async () => {
  const bus = new EventBus(testConsole.garrison.logger);
  const monitor = new ClockDriftMonitor(settingsModels(testConsole.garrison.database().connection), bus, testConsole.garrison.logger, { thresholdMs: 5_000, clearBelowMs: 1_000 });
  const seen: SensorClockDrift[] = [];
  bus.on('sensor.clock-drift', (event) => void seen.push(event));
  monitor.start();
  const sensorId = randomUUID();
  for (const skew of [5_000, 5_001, 2_000, 1_000]) {
    bus.publish('sensor.health-reported', report(sensorId, skew));
    await monitor.idle();
  }
  monitor.stop();
  assert.deepEqual(seen.map((event) => [event.state, event.clockSkewMs]), [['detected', 5_001], ['cleared', 1_000]]);
});

test('after a restart, the first reports of a whole fleet read the stored states together and clear only the drifting ones', async () => {
  const models = settingsModels(testConsole.garrison.database().connection);
  const sensorIds = Array.from({ length: 300 }, () => randomUUID());
  // Every third sensor was left drifting before the restart; the others have no drift stored (or no status at all).
  await models.statuses.insertMany(
    sensorIds.filter((_, index) => index % 3 === 0).map((sensorId) => ({ _id: sensorId, appliedRevision: null, lastResult: null, clockDrifting: true, clockDriftChangedAt: new Date() })),
  );
  const bus = new EventBus(testConsole.garrison.logger);
  const monitor = new ClockDriftMonitor(models, bus, testConsole.garrison.logger);
  // Counted at the model (the database behind it is real): every read of statuses, by many ids or one.
  let reads = 0;
  const find = models.statuses.find.bind(models.statuses);
  const findOne = models.statuses.findOne.bind(models.statuses);
  models.statuses.find = ((...args: Parameters<typeof find>) => {
    reads += 1;
    return find(...args);
  }) as typeof find;
  models.statuses.findOne = ((...args: Parameters<typeof findOne>) => {
    reads += 1;
    return findOne(...args);
  }) as typeof findOne;
  const seen: SensorClockDrift[] = [];
  bus.on('sensor.clock-drift', (event) => void seen.push(event));
  monitor.start();
  try {
    for (const sensorId of sensorIds) bus.publish('sensor.health-reported', report(sensorId, 500));
    await monitor.idle();
  } finally {
    monitor.stop();
    models.statuses.find = find;
    models.statuses.findOne = findOne;
  }
  assert.deepEqual(
    seen.map((event) => event.sensorId).sort(),
    sensorIds.filter((_, index) => index % 3 === 0).sort(),
    'exactly the sensors stored as drifting are cleared',
  );
  assert.ok(seen.every((event) => event.state === 'cleared'));
  assert.ok(reads <= 3, `the 300 first reports read the stored states in ${reads} reads (one each before)`);
});
