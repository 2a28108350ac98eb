/**
 * A console that crashed never wrote the end of its sensors' links. The next
 * console must not show them connected forever: it starts them unreachable
 * ("console-shutdown") and moves them to disconnected after the grace period,
 * unless they link again. Sensors that were already disconnected stay as they are.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { sensorModel } from '../../server/src/modules/fleet/sensor-model.js';
import { waitFor } from '../helpers/free-ports.js';
import { seedSensors } from '../helpers/sensor-seed.js';
import { makeTempDir, startTestConsole, type TestConsole } from '../helpers/test-console.js';

describe('presence after a console crash', () => {
  let dataDir: string;
  let current: TestConsole | undefined;
  after(async () => {
    await current?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('moves sensors left as linked to disconnected after the grace period', async () => {
    dataDir = await makeTempDir('presence-crash');
    const env = { GARRISON_LINK_GRACE_MS: '800' };
    current = await startTestConsole({ dataDir, env });
    // What a crashed console leaves behind: sensors recorded as linked with no link.
    const [connected, unreachable, disconnected] = await seedSensors(current.garrison.database().connection, 3, (index) => ({
      state: (['connected', 'unreachable', 'disconnected'] as const)[index],
      stateReason: (['link-established', 'ping-timeout', 'grace-period-elapsed'] as const)[index],
    }));
    await current.stop();

    current = await startTestConsole({ dataDir, env });
    const sensors = sensorModel(current.garrison.database().connection);
    const stateOf = async (id: string) => (await sensors.findById(id).lean())?.state;
    await waitFor(
      async () => (await stateOf(connected!._id)) === 'disconnected' && (await stateOf(unreachable!._id)) === 'disconnected',
      15_000,
      () => 'both stale sensors to be disconnected',
    );
    const after = await sensors.findById(connected!._id).lean();
    assert.equal(after?.stateReason, 'grace-period-elapsed');
    const untouched = await sensors.findById(disconnected!._id).lean();
    assert.equal(untouched?.stateReason, 'grace-period-elapsed');
    assert.ok(untouched && untouched.stateSince.getTime() === disconnected!.stateSince.getTime(), 'an already disconnected sensor keeps its since');
  });
});
