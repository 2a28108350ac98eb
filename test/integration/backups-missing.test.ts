/**
 * "No successful backup for N hours": the recurring 'backup-missing-check' job
 * raises the 'backup.missing' system event for a sensor whose last success (or
 * enrolment) is older than the policy's threshold, once, not at every check.
 *
 * The check is the console's own recurring agenda job (every 15 minutes); the
 * test makes it due now by moving its nextRunAt, as the passing of time would,
 * and waits for agenda to run it. Sensors are seeded with enrolment times in
 * the past, since an hour-long threshold cannot be waited out in a test.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../helpers/free-ports.js';
import { seedSensors } from '../helpers/sensor-seed.js';
import { startTestConsole, type TestConsole } from '../helpers/test-console.js';
import { api, signInAsAdmin, type SignedIn } from '../helpers/test-session.js';
import { patchPolicy } from './backups-harness.js';

interface EventBody {
  id: string;
  type: string;
  title: string;
  sensor: { id: string; name: string | null } | null;
  fields: Record<string, unknown>;
}

interface JobDocument {
  name: string;
  nextRunAt: Date | null;
  lastFinishedAt?: Date;
}

const HOUR_MS = 3600_000;

let testConsole: TestConsole;
let admin: SignedIn;

before(async () => {
  testConsole = await startTestConsole();
  admin = await signInAsAdmin(testConsole);
});
after(async () => {
  await testConsole?.destroy();
});

/** Makes the recurring check due now and waits until agenda has run it to its end. */
async function runMissingCheck(): Promise<void> {
  const jobs = testConsole.garrison.database().db.collection<JobDocument>('jobs');
  const before = await jobs.findOne({ name: 'backup-missing-check' });
  assert.ok(before, 'the console scheduled the recurring missing-backup check');
  assert.ok(before.nextRunAt && before.nextRunAt.getTime() > Date.now() + 10 * 60_000, 'the check is not due by itself during the test');
  const madeDueAt = new Date();
  await jobs.updateOne({ name: 'backup-missing-check' }, { $set: { nextRunAt: madeDueAt } });
  await waitFor(
    async () => ((await jobs.findOne({ name: 'backup-missing-check' }))?.lastFinishedAt?.getTime() ?? 0) >= madeDueAt.getTime(),
    30_000,
    () => 'the missing-backup check to run',
  );
}

async function missingEvents(): Promise<EventBody[]> {
  const response = await api<{ events: EventBody[] }>(testConsole, 'GET', '/notifications/events?type=backup.missing', { headers: admin.headers });
  assert.equal(response.status, 200, response.text);
  return response.body.events;
}

describe('no successful backup for N hours', () => {
  it('raises backup.missing once per sensor past the threshold, not at every check', async () => {
    const now = Date.now();
    const [overdue, recent] = await seedSensors(testConsole.garrison.database().connection, 2, (index) => ({
      name: ['enrolled-30h-ago', 'enrolled-30min-ago'][index]!,
      state: 'disconnected',
      stateReason: 'grace-period-elapsed',
      enrolledAt: new Date(now - [30 * HOUR_MS, HOUR_MS / 2][index]!),
    }));
    assert.ok(overdue && recent);
    // Published inside the job, so counted before the job finishes; the events API shows what the notifications module stored.
    const published: string[] = [];
    testConsole.garrison.events.on('backup.missing', (missing) => {
      published.push(missing.sensorId);
    });

    // The default threshold is 36 hours: neither sensor is overdue yet.
    await runMissingCheck();
    assert.deepEqual(published, []);
    assert.deepEqual(await missingEvents(), []);

    await patchPolicy(testConsole, admin, { missingAfterHours: 12 });
    await runMissingCheck();
    assert.deepEqual(published, [overdue._id]);
    await waitFor(async () => (await missingEvents()).length > 0, 15_000, () => 'the backup.missing event');
    const [raised, ...others] = await missingEvents();
    assert.deepEqual(others, [], 'one event, for the overdue sensor only');
    assert.equal(raised?.sensor?.id, overdue._id);
    assert.equal(raised?.sensor?.name, 'enrolled-30h-ago');
    assert.match(raised?.title ?? '', /no successful backup for 12 hours/);
    assert.equal(raised?.fields.hours, 12);

    // Later checks find the same sensor still overdue and stay quiet.
    await runMissingCheck();
    await runMissingCheck();
    assert.deepEqual(published, [overdue._id]);
    assert.deepEqual((await missingEvents()).map((event) => event.id), [raised?.id]);
  });
});
