/**
 * Session timeouts from the configuration: a console started with
 * GARRISON_SESSION_IDLE_MINUTES=0.1 (6 seconds) keeps a session in steady use
 * alive past the idle timeout and ends one left unused for longer.
 * Margins are generous for a loaded machine: requests every second against a
 * 6-second idle limit, then 9 seconds of silence.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { api, signInAsAdmin } from '../helpers/test-session.js';
import { startTestConsole, type TestConsole } from '../helpers/test-console.js';

describe('configured session timeouts', () => {
  let testConsole: TestConsole;

  before(async () => {
    testConsole = await startTestConsole({ env: { GARRISON_SESSION_IDLE_MINUTES: '0.1', GARRISON_SESSION_ABSOLUTE_HOURS: '1' } });
  });

  after(async () => {
    await testConsole?.destroy();
  });

  it('reports the configured idle timeout', async () => {
    const admin = await signInAsAdmin(testConsole);
    const me = await api<{ session: { idleTimeoutSeconds: number; createdAt: string; absoluteEndAt: string } }>(testConsole, 'GET', '/auth/me', { headers: admin.headers });
    assert.equal(me.status, 200, me.text);
    assert.equal(me.body.session.idleTimeoutSeconds, 6);
    assert.equal(new Date(me.body.session.absoluteEndAt).getTime() - new Date(me.body.session.createdAt).getTime(), 3600_000);
  });

  it('keeps a session in use alive and ends it after the idle timeout', async () => {
    const admin = await signInAsAdmin(testConsole);
    const startedAt = Date.now();
    while (Date.now() - startedAt < 10_000) {
      const response = await api(testConsole, 'GET', '/auth/me', { headers: admin.headers });
      assert.equal(response.status, 200, `a session used every second stays signed in (${Date.now() - startedAt} ms): ${response.text}`);
      await sleep(1000);
    }
    await sleep(9000);
    const expired = await api<{ error: { code: string; message: string } }>(testConsole, 'GET', '/auth/me', { headers: admin.headers });
    assert.equal(expired.status, 401, expired.text);
    assert.match(expired.body.error.message, /session has ended/);
  });
});
