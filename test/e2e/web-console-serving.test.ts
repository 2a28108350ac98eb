/**
 * How the console serves the web client and its live-update socket, without a
 * browser: cache headers (hashed assets for a year, pages never), the page
 * fallback for client routes, no fallback over /api or missing assets, and the
 * /live socket refusing anyone without a session and pushing only ids.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { io, type Socket } from 'socket.io-client';
import type { ChangedPush } from '../../server/src/modules/web-console/live-contract.js';
import { request } from '../helpers/https-client.js';
import { startTestConsole, type TestConsole } from '../helpers/test-console.js';
import { signInAsAdmin, type SignedIn } from '../helpers/test-session.js';

let testConsole: TestConsole;
let admin: SignedIn;
const sockets: Socket[] = [];

before(async () => {
  testConsole = await startTestConsole();
  admin = await signInAsAdmin(testConsole);
});

after(async () => {
  for (const socket of sockets) socket.close();
  await testConsole?.destroy();
});

const get = (path: string) => request(`${testConsole.baseUrl}${path}`, { method: 'GET', ca: testConsole.caPem });

test('the page is never cached, hashed assets are cached for a year, and the CSP allows only this origin', async () => {
  const page = await get('/');
  assert.equal(page.status, 200);
  assert.match(String(page.headers['content-type']), /text\/html/);
  assert.equal(page.headers['cache-control'], 'no-cache');
  assert.match(String(page.headers['content-security-policy']), /script-src 'self';\s*style-src 'self'/);
  const asset = /src="(\/assets\/[^"]+\.js)"/.exec(page.text)?.[1];
  assert.ok(asset, 'index.html names its hashed script');
  assert.doesNotMatch(page.text, /<script>|<style>| style="/, 'no inline script or style in the page');
  const script = await get(asset);
  assert.equal(script.status, 200);
  assert.equal(script.headers['cache-control'], 'public, max-age=31536000, immutable');
});

test('client routes fall back to the page; /api and missing assets do not', async () => {
  const route = await get('/sensors/6f1c1f7e-0000-4000-8000-000000000000');
  assert.equal(route.status, 200);
  assert.match(route.text, /<div id="root">/);
  const missingAsset = await get('/assets/index-doesnotexist.js');
  assert.equal(missingAsset.status, 404);
  // The API answers for itself (here: sign in first), never with the page.
  const api = await get('/api/v1/no-such-route');
  assert.equal(api.status, 401);
  assert.match(String(api.headers['content-type']), /json/);
});

function connect(headers: Record<string, string>): Socket {
  const socket = io(`${testConsole.baseUrl}/live`, { path: '/api/live', transports: ['websocket'], ca: testConsole.caPem, extraHeaders: headers, forceNew: true, reconnection: false });
  sockets.push(socket);
  return socket;
}

test('the live socket refuses a browser without a session, and one from another site', async () => {
  const anonymous = connect({ origin: testConsole.baseUrl });
  const refused = await new Promise<string>((resolve) => anonymous.on('connect_error', (error) => resolve(error.message)));
  assert.match(refused, /Sign in first/);

  const foreign = connect({ origin: 'https://evil.example', cookie: admin.cookie });
  await new Promise<void>((resolve) => foreign.on('connect_error', () => resolve()));
  assert.equal(foreign.connected, false);
});

test('a signed-in socket gets debounced "changed" pushes with ids, only for the rooms it watches', async () => {
  const socket = connect({ origin: testConsole.baseUrl, cookie: admin.cookie });
  await new Promise<void>((resolve, reject) => {
    socket.on('connect', () => resolve());
    socket.on('connect_error', reject);
  });
  const pushes: ChangedPush[] = [];
  socket.on('changed', (push: ChangedPush) => pushes.push(push));
  socket.emit('watch', ['sensors']);
  await new Promise((resolve) => setTimeout(resolve, 200));

  const ref = { sensorName: 'x', siteId: null, zoneId: null, reason: 'ping-timeout' as const, previous: 'connected' as const, current: 'unreachable' as const, at: new Date() };
  const first = '11111111-1111-4111-8111-111111111111';
  const second = '22222222-2222-4222-8222-222222222222';
  testConsole.garrison.events.publish('sensor.presence-changed', { ...ref, sensorId: first });
  testConsole.garrison.events.publish('sensor.presence-changed', { ...ref, sensorId: second });
  testConsole.garrison.events.publish('settings.changed', { revision: 3, scope: { kind: 'global', id: null }, changedFields: ['ntp'], sensorIds: [], cause: 'saved', at: new Date() });
  await new Promise((resolve) => setTimeout(resolve, 800));

  assert.deepEqual(pushes, [{ room: 'sensors', ids: [first, second] }], 'one push for the burst, none for an unwatched room');
});
