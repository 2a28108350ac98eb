/**
 * The settings pusher against fake sockets and a fake settings service:
 * bounded concurrency for a big zone, one settings read per batch, coalescing of pushes to one sensor,
 * only linked sensors pushed to, reconnect pushes only when behind, and each
 * kind of answer recorded (applied, the sensor's reason, no answer in time).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConsoleContext } from '../platform/console-module.js';
import type { LinkSocket } from './link-namespace.js';
import { SettingsPusher } from './settings-push.js';

interface Recorded {
  sensorId: string;
  revision: number;
  ok: boolean;
  reason: string | null;
}

type Answer = (sensorId: string, payload: { revision: number }) => Promise<unknown>;

function harness(options: { answer?: Answer; desired?: number; applied?: number | null; concurrency?: number; ackTimeoutMs?: number } = {}) {
  const recorded: Recorded[] = [];
  const pushes: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const answer: Answer = options.answer ?? (async (_id, payload) => ({ data: { revision: payload.revision, applied: true } }));
  const live = new Map<string, LinkSocket>();
  const addSocket = (sensorId: string) => {
    const socket = {
      data: { sensorId, sensorName: sensorId },
      connected: true,
      once: () => socket,
      off: () => socket,
      timeout: () => ({
        emitWithAck: async (_event: string, payload: { revision: number }) => {
          pushes.push(sensorId);
          inFlight += 1;
          maxInFlight = Math.max(maxInFlight, inFlight);
          try {
            await new Promise((resolve) => setTimeout(resolve, 10));
            return await answer(sensorId, payload);
          } finally {
            inFlight -= 1;
          }
        },
      }),
    };
    live.set(sensorId, socket as unknown as LinkSocket);
  };
  const reads: string[][] = [];
  const knownCounts: number[] = [];
  const places: Array<{ sensorName: string } | undefined> = [];
  const settings = {
    effectiveForMany: async (ids: string[], known: ReadonlyMap<string, unknown>) => {
      reads.push(ids);
      knownCounts.push(known.size);
      return new Map(ids.map((id) => [id, { revision: options.desired ?? 5, settings: {}, sensor: { sensorName: `name of ${id}`, siteId: null, zoneId: 'z' } }]));
    },
    appliedRevisions: async (ids: string[]) => new Map(ids.map((id) => [id, options.applied ?? null])),
    recordApplyResult: async (sensorId: string, revision: number, ok: boolean, reason: string | null, place?: { sensorName: string }) => {
      recorded.push({ sensorId, revision, ok, reason });
      places.push(place);
    },
  };
  const logger = { child: () => logger, debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
  const context = { logger, services: { get: () => settings } } as unknown as ConsoleContext;
  const pusher = new SettingsPusher({ context, live, ...(options.concurrency ? { concurrency: options.concurrency } : {}), ackTimeoutMs: options.ackTimeoutMs ?? 1000 });
  return { pusher, live, addSocket, recorded, pushes, reads, knownCounts, places, maxInFlight: () => maxInFlight };
}

test('a big zone is pushed with bounded concurrency, only to linked sensors, each ack recorded', async () => {
  const h = harness({ concurrency: 4 });
  const ids = Array.from({ length: 50 }, (_, index) => `s${index}`);
  for (const id of ids.slice(0, 40)) h.addSocket(id);
  h.pusher.changed(ids);
  await h.pusher.idle();
  assert.equal(h.maxInFlight(), 4);
  assert.equal(h.pushes.length, 40, 'the 10 offline sensors are not pushed to');
  assert.equal(h.recorded.length, 40);
  assert.ok(h.recorded.every((entry) => entry.ok && entry.revision === 5 && entry.reason === null));
});

test('a zone within the concurrency reads its settings in one batch and all its pushes are in flight at once', async () => {
  const h = harness();
  const ids = Array.from({ length: 300 }, (_, index) => `s${index}`);
  for (const id of ids) h.addSocket(id);
  const placements = ids.map((id) => ({ _id: id, name: id, siteId: 's', zoneId: 'z', state: 'connected' }));
  h.pusher.changed(ids, placements);
  await h.pusher.idle();
  assert.deepEqual(h.reads, [ids], 'one effectiveForMany read for the whole zone');
  assert.deepEqual(h.knownCounts, [300], 'the placements from the event are passed on, so the sensors are not read again');
  assert.equal(h.maxInFlight(), 300);
  assert.equal(h.recorded.length, 300);
  assert.ok(h.places.every((place, index) => place?.sensorName === `name of ${h.recorded[index]?.sensorId}`), 'the place read with the settings goes with each result');
});

test('a placement from a change is used once: a later push reads the sensor again', async () => {
  const h = harness({ desired: 5, applied: 3 });
  h.addSocket('a');
  h.pusher.changed(['a'], [{ _id: 'a', name: 'a', siteId: null, zoneId: 'z', state: 'connected' }]);
  await h.pusher.idle();
  h.pusher.linked('a');
  await h.pusher.idle();
  assert.deepEqual(h.knownCounts, [1, 0]);
});

test('repeated changes for one sensor collapse into one more push', async () => {
  const h = harness();
  h.addSocket('a');
  h.pusher.changed(['a']);
  h.pusher.changed(['a']);
  h.pusher.changed(['a']);
  await new Promise((resolve) => setTimeout(resolve, 0));
  h.pusher.changed(['a']);
  h.pusher.changed(['a']);
  await h.pusher.idle();
  await new Promise((resolve) => setTimeout(resolve, 30));
  await h.pusher.idle();
  assert.deepEqual(h.pushes, ['a', 'a']);
});

test('a sensor that links is pushed to only when it is behind', async () => {
  const inSync = harness({ desired: 5, applied: 5 });
  inSync.addSocket('a');
  inSync.pusher.linked('a');
  await inSync.pusher.idle();
  assert.deepEqual(inSync.pushes, []);

  const nothingSet = harness({ desired: 0, applied: null });
  nothingSet.addSocket('a');
  nothingSet.pusher.linked('a');
  await nothingSet.pusher.idle();
  assert.deepEqual(nothingSet.pushes, []);

  const behind = harness({ desired: 5, applied: 3 });
  behind.addSocket('a');
  behind.pusher.linked('a');
  await behind.pusher.idle();
  assert.deepEqual(behind.pushes, ['a']);
  assert.deepEqual(behind.recorded, [{ sensorId: 'a', revision: 5, ok: true, reason: null }]);
});

test('a refusal is recorded with the sensor\'s reason, silence as no answer within N s', async () => {
  const refused = harness({ answer: async () => ({ error: { code: 'internal', message: 'The reload command chronyc exited with code 1.' } }) });
  refused.addSocket('a');
  refused.pusher.changed(['a']);
  await refused.pusher.idle();
  assert.deepEqual(refused.recorded, [{ sensorId: 'a', revision: 5, ok: false, reason: 'The reload command chronyc exited with code 1.' }]);

  const silent = harness({ ackTimeoutMs: 3000, answer: async () => Promise.reject(new Error('operation has timed out')) });
  silent.addSocket('a');
  silent.pusher.changed(['a']);
  await silent.pusher.idle();
  assert.deepEqual(silent.recorded, [{ sensorId: 'a', revision: 5, ok: false, reason: 'no answer from the sensor within 3 s' }]);

  const garbled = harness({ answer: async () => ({ data: 'yes' }) });
  garbled.addSocket('a');
  garbled.pusher.changed(['a']);
  await garbled.pusher.idle();
  assert.equal(garbled.recorded[0]?.ok, false);
  assert.match(garbled.recorded[0]?.reason ?? '', /malformed/);
});
