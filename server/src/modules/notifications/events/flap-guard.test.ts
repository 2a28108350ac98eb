import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FLAP_MAX_MESSAGES, FLAP_WINDOW_MS, FlapGuard } from './flap-guard.js';

test('three messages per window, then one summary, then silence until the sensor is quiet for a window', () => {
  const guard = new FlapGuard();
  const decisions = Array.from({ length: 8 }, (_, index) => guard.decide('s', index * 1000));
  assert.deepEqual(decisions, ['forward', 'forward', 'forward', 'summarize', 'suppress', 'suppress', 'suppress', 'suppress']);
  assert.equal(FLAP_MAX_MESSAGES, 3);
  assert.equal(guard.decide('other', 0), 'forward', 'sensors are counted apart');
  assert.equal(guard.decide('s', 7000 + FLAP_WINDOW_MS), 'forward', 'quiet for a whole window: messages flow again');
});

test('a sensor that changes state now and then is never held down', () => {
  const guard = new FlapGuard();
  for (let index = 0; index < 10; index += 1) assert.equal(guard.decide('s', index * (FLAP_WINDOW_MS / 2)), 'forward');
});
