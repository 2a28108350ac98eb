/**
 * A burst of enrolments larger than the console admits at once: the ones
 * that would wait too long are refused as busy (503, Retry-After) before
 * anything in them is checked or used, and real sensor-link waits and tries
 * again, so every sensor of the burst ends up enrolled, each exactly once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createKeyAndCsr } from '../../sensor-link/src/enroll/csr.js';
import { parseConnectionString } from '../../sensor-link/src/protocol/connection-string.js';
import { request } from '../helpers/https-client.js';
import { startTestConsole, type TestConsole } from '../helpers/test-console.js';
import { createTestSensor, standingConnectionString, type TestSensor } from '../helpers/test-sensors.js';
import { signInAsAdmin } from '../helpers/test-session.js';

const BURST = 16;
let testConsole: TestConsole;
const sensors: TestSensor[] = [];

before(async () => {
  // No wait allowed: once every enrolment slot is taken, the next request is refused as busy.
  testConsole = await startTestConsole({ env: { GARRISON_ENROLL_ATTEMPTS_PER_MINUTE: '1000', GARRISON_ENROLL_MAX_WAIT_MS: '0' } });
});
after(async () => {
  await Promise.all(sensors.map((each) => each.stop()));
  await testConsole?.destroy();
});

describe('enrolment burst', () => {
  it('refuses what would wait too long as busy, and sensor-link comes back until every sensor is enrolled once', async () => {
    const admin = await signInAsAdmin(testConsole);
    const { connectionString } = await standingConnectionString(testConsole, admin.headers);
    // One key for all, so the requests arrive together instead of behind 16 RSA key generations.
    const sharedKey = await createKeyAndCsr({ commonName: 'burst' });
    for (let index = 0; index < BURST; index += 1) sensors.push(await createTestSensor(`burst-${String(index).padStart(2, '0')}`, { keyFactory: async () => sharedKey }));

    const results = await Promise.all(sensors.map((sensor) => sensor.enroll(connectionString)));

    assert.equal(new Set(results.map((result) => result.sensorId)).size, BURST, 'each sensor has its own id');
    const waited = sensors.filter((sensor) => sensor.log.some((line) => /The console is busy enrolling other sensors; trying again in [\d.]+ s/.test(line)));
    assert.ok(waited.length > 0, 'some of the burst was told to come back');
    const listed = await request<{ items: Array<{ name: string }> }>(`${testConsole.baseUrl}/api/v1/sensors?limit=100`, { ca: testConsole.caPem, headers: admin.headers });
    assert.equal(listed.status, 200);
    assert.equal(listed.body.items.filter((sensor) => sensor.name.startsWith('burst-')).length, BURST, 'enrolled once each');
  });

  it('answers a refused request with 503, the code busy and a Retry-After in seconds, and leaves the rest to the usual checks', async () => {
    const { connectionString } = await standingConnectionString(testConsole, (await signInAsAdmin(testConsole)).headers);
    const { tokenId } = parseConnectionString(connectionString);
    const { csrPem } = await createKeyAndCsr({ commonName: 'wrong-secret' });
    // A well-formed request with a wrong secret: it takes a database lookup to refuse, so 24 at once overlap.
    const body = { tokenId, secret: 'not-the-secret', csrPem, facts: { name: 'wrong-secret', hostname: 'wrong-secret', versions: { sensorLink: '1.0.0', core: '24.1.3', protocol: 1 } } };
    const address = `https://127.0.0.1:${testConsole.linkPort}/enroll/v1`;
    const answers = await Promise.all(Array.from({ length: 24 }, () => request<{ error: { code: string; message: string } }>(address, { method: 'POST', body, ca: testConsole.caPem })));
    const busy = answers.filter((answer) => answer.status === 503);
    assert.ok(busy.length > 0, `some of 24 at once were refused as busy: ${answers.map((answer) => answer.status).join(' ')}`);
    assert.ok(answers.some((answer) => answer.status === 403), 'the admitted ones got the usual refusal of a wrong secret');
    for (const answer of busy) {
      assert.equal(answer.body.error.code, 'busy');
      assert.match(answer.body.error.message, /enrolling many sensors at once; try again in \d+ s/);
      assert.match(String(answer.headers['retry-after']), /^\d+$/);
    }
  });
});
