/**
 * The console caps TLS handshakes in progress on the link port: connections
 * beyond the cap are closed at once, the sensor backs off with jitter and
 * links as soon as handshakes finish. Idle TCP connections that never start a
 * handshake (the cheapest way to fill the slots) stand in for a storm.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../helpers/free-ports.js';
import { startTestConsole, type TestConsole } from '../helpers/test-console.js';
import { createTestSensor, standingConnectionString, type TestSensor } from '../helpers/test-sensors.js';
import { signInAsAdmin } from '../helpers/test-session.js';


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
