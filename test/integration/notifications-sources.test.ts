/**
 * Events raised from facts on the event bus: clock drift and failed settings
 * applies (from the settings module), no traffic for a configurable time (from
 * health reports), enrolment and revocation, console components down and up.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { waitFor } from '../helpers/free-ports.js';
import { startHarness, type Harness } from './notifications-harness.js';

let harness: Harness;
before(async () => {
  harness = await startHarness({ paused: true, thresholds: { noTrafficMs: 60_000 } });
});
after(async () => {
  await harness?.destroy();
});

const sensor = { sensorId: 'health-1', sensorName: 'plc-health', siteId: 's', zoneId: 'z' };

async function typesOf(sensorId: string | undefined, count: number): Promise<string[]> {
  let types: string[] = [];
  await waitFor(async () => {
    const events = await harness.service.events.list({ ...(sensorId ? { sensorId } : {}), limit: 50 });
    types = events.map((event) => event.type).reverse();
    return types.length >= count;
  }, 5_000, () => `${count} events, have ${types.join(', ')}`);
  return types;
}

test('clock drift transitions and no traffic after the configured time become events', async () => {
  const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, seconds));
  const report = (seconds: number, packetsPerSecond: number) =>
    harness.events.publish('sensor.health-reported', { ...sensor, clockSkewMs: 0, packetsPerSecond, diskUsedPercent: 10, at: at(seconds) });
  harness.events.publish('sensor.clock-drift', { ...sensor, state: 'detected', clockSkewMs: 5_000, thresholdMs: 2_000, at: at(0) });
  report(0, 0);
  report(30, 0);
  harness.events.publish('sensor.clock-drift', { ...sensor, state: 'cleared', clockSkewMs: 900, thresholdMs: 2_000, at: at(59) });
  report(60, 0);
  report(90, 0);
  report(120, 10);
  const types = await typesOf(sensor.sensorId, 3);
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.deepEqual(await typesOf(sensor.sensorId, 3), ['sensor.clock-drift-detected', 'sensor.clock-drift-cleared', 'sensor.no-traffic']);
  assert.equal(types.length, 3);
  const [noTraffic] = await harness.service.events.list({ types: ['sensor.no-traffic'], limit: 1 });
  assert.equal(noTraffic?.fields.minutes, 1);
  assert.equal(noTraffic?.severity, 'major');
});

test('a failed settings apply becomes an event; a successful one does not', async () => {
  harness.events.publish('settings.apply-result', { ...sensor, sensorId: 'apply-1', revision: 4, ok: true, reason: null, at: new Date() });
  harness.events.publish('settings.apply-result', { ...sensor, sensorId: 'apply-1', revision: 5, ok: false, reason: 'NTP server unreachable', at: new Date() });
  assert.deepEqual(await typesOf('apply-1', 1), ['settings.apply-failed']);
  const [failed] = await harness.service.events.list({ sensorId: 'apply-1', limit: 1 });
  assert.deepEqual(failed?.fields, { revision: 5, reason: 'NTP server unreachable' });
});

test('enrolment, revocation and console components become events', async () => {
  const now = Date.now();
  harness.events.publish('sensor.enrolled', { ...sensor, sensorId: 'new-1', tokenId: 't', reEnrolled: false, at: new Date(now - 1000) });
  harness.events.publish('sensor.revoked', { ...sensor, sensorId: 'new-1', byUser: 'admin', at: new Date(now) });
  assert.deepEqual(await typesOf('new-1', 2), ['sensor.enrolled', 'sensor.revoked']);

  const status = (state: 'up' | 'down') => ({ name: 'database', state, since: new Date(), upSince: null, detail: state === 'down' ? 'FerretDB exited' : null });
  harness.events.publish('component.changed', { previous: status('up'), current: status('down') });
  harness.events.publish('component.changed', { previous: status('down'), current: status('up') });
  await waitFor(async () => (await harness.service.events.list({ types: ['console.component-down', 'console.component-up'], limit: 5 })).length === 2, 5_000);
  const [down] = await harness.service.events.list({ types: ['console.component-down'], limit: 1 });
  assert.equal(down?.severity, 'critical');
  assert.equal(down?.title, 'Console component "database" is down: FerretDB exited');
});
