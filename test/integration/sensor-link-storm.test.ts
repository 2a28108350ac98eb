/**
 * The console caps TLS handshakes in progress on the link port: connections
 * beyond the cap are closed at once, the sensor backs off with jitter and
 * links as soon as handshakes finish. Idle TCP connections that never start a
 * handshake (the cheapest way to fill the slots) stand in for a storm.
 * A sensor refused as busy comes back when the refusal says, and a planned
 * restart tells linked sensors when to come back.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { LinkRefusal } from '../../sensor-link/src/protocol/link-protocol.js';
import { waitFor } from '../helpers/free-ports.js';
import { standInConsole } from '../helpers/link-peers.js';
import { startTestConsole, type TestConsole } from '../helpers/test-console.js';
import { createTestSensor, sensorRecord, standingConnectionString, type TestSensor } from '../helpers/test-sensors.js';
import { signInAsAdmin } from '../helpers/test-session.js';
import { restartHint } from '../../server/src/link/link-module.js';


let testConsole: TestConsole;
let sensor: TestSensor | null = null;
const idle: net.Socket[] = [];

before(async () => {
  testConsole = await startTestConsole({ env: { GARRISON_LINK_MAX_HANDSHAKES: '4' } });
});
after(async () => {
  for (const socket of idle) socket.destroy();
  await sensor?.stop();
  await testConsole?.destroy();
});

describe('handshake cap', () => {
  it('closes connections beyond the cap; the sensor backs off and links once slots free up', async () => {
    const { connectionString } = await standingConnectionString(testConsole, (await signInAsAdmin(testConsole)).headers);
    sensor = await createTestSensor('storm-01');
    await sensor.enroll(connectionString);

    for (let index = 0; index < 4; index += 1) {
      const socket = net.connect(testConsole.linkPort, '127.0.0.1');
      socket.on('error', () => undefined);
      idle.push(socket);
    }
    await Promise.all(idle.map((socket) => new Promise((resolve) => socket.once('connect', resolve))));
    await sensor.link({ baseMs: 200, capMs: 400 });
    await waitFor(() => sensor?.log.some((line) => line.includes('Trying again in')) ?? false, 10_000, () => 'a refused attempt');
    assert.notEqual(sensor.client?.current.state, 'connected');
    assert.ok(testConsole.logs.some((line) => line.includes('link handshake cap reached')));

    for (const socket of idle) socket.destroy();
    await sensor.waitForState('connected', 10_000);
  });
});

describe('busy refusal with a reconnect hint', () => {
  it('comes back when the refusal says, not after its own backoff, and only that once', async () => {
    const { connectionString } = await standingConnectionString(testConsole, (await signInAsAdmin(testConsole)).headers);
    const refused = await createTestSensor('busy-01');
    // The real console refuses as busy only under a load a test cannot make cheaply; a stand-in refuses on cue.
    const standIn = await standInConsole(testConsole);
    try {
      await refused.enroll(connectionString);
      const state = await refused.store.load();
      assert.ok(state);
      await refused.store.save({ ...state, consoleAddresses: [standIn.address] });

      const hintMs = 3000;
      const refusals: LinkRefusal[] = [
        { code: 'busy', message: 'Busy; come back in 3 s.', reconnect: { afterMs: hintMs, spreadMs: 0 } },
        { code: 'busy', message: 'Busy, without a hint.' },
      ];
      const attemptsAt: number[] = [];
      standIn.link.use((_socket, next) => {
        attemptsAt.push(performance.now());
        const refusal = refusals.shift();
        next(refusal ? Object.assign(new Error(refusal.message), { data: refusal }) : undefined);
      });
      standIn.link.on('connection', (socket) => {
        socket.emit('link:welcome', { sensorId: state.sensorId, sensorName: state.sensorName, zoneId: null, consoleTime: new Date().toISOString(), healthIntervalMs: 60_000 });
      });

      // Backoff windows of 0.2–0.4 s: an attempt 3 s after the first refusal can only come from the hint.
      await refused.link({ baseMs: 200, capMs: 400 });
      await refused.waitForState('connected', 15_000);
      assert.equal(attemptsAt.length, 3);
      const [first = 0, second = 0, third = 0] = attemptsAt;
      assert.ok(second - first >= hintMs, `not before the hinted time: ${Math.round(second - first)} ms`);
      assert.ok(second - first < hintMs + 2000, `soon after it: ${Math.round(second - first)} ms`);
      assert.ok(third - second < hintMs / 2, `the unhinted refusal after it backs off from the first window, not with the old hint: ${Math.round(third - second)} ms`);
      assert.ok(refused.log.some((line) => line.includes('The console refused the link for now: Busy; come back in 3 s. Trying again in 3.0 s.')), refused.log.join('\n'));
    } finally {
      await refused.stop();
      await standIn.close();
    }
  });
});

describe('planned restart', () => {
  it('tells linked sensors when to come back and how widely to spread; they link again after that, not before', async () => {
    const { dataDir, linkPort } = testConsole;
    const { connectionString } = await standingConnectionString(testConsole, (await signInAsAdmin(testConsole)).headers);
    const restarting = await createTestSensor('restart-01');
    try {
      await restarting.enroll(connectionString);
      await restarting.link({ baseMs: 200, capMs: 400 });
      await restarting.waitForState('connected', 10_000);
      assert.deepEqual(restartHint(1, 1500), { afterMs: 3502, spreadMs: 2000 }, 'after the stop and the start time; at least 2 s of spread');
      assert.deepEqual(restartHint(5000, 11_000), { afterMs: 23_000, spreadMs: 71_429 }, '5,000 links: a 10 s stop, one second of spread per 70');

      await testConsole.stop();
      const stoppedAt = performance.now();
      await waitFor(() => restarting.log.some((line) => line.includes('shutting down')), 5000, () => 'the closing notice');
      const waiting = restarting.log.find((line) => /Trying again in/.test(line)) ?? '';
      const seconds = Number(/Trying again in ([\d.]+) s/.exec(waiting)?.[1]);
      assert.ok(seconds >= 1 && seconds <= 60 + 120, `the hinted wait, not the 0.2 s backoff window: "${waiting}"`);

      const restartedAt = Date.now();
      testConsole = await startTestConsole({ dataDir, env: { GARRISON_LINK_MAX_HANDSHAKES: '4', GARRISON_LINK_PORT: String(linkPort) } });
      // The stopping console recorded the link's end itself (not the next console at its start).
      const stored = await sensorRecord(testConsole, restarting.enrollment?.sensorId ?? '');
      assert.deepEqual([stored?.state, stored?.stateReason], ['unreachable', 'console-shutdown']);
      assert.ok((stored?.stateSince as Date).getTime() < restartedAt, 'written when the console stopped');
      await restarting.waitForState('connected', (seconds + 15) * 1000);
      assert.ok(performance.now() - stoppedAt >= seconds * 1000 - 500, 'no attempt before the hinted time');
    } finally {
      await restarting.stop();
    }
  });
});
