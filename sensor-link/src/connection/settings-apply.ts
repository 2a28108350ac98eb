/**
 * What the sensor does with a `settings:apply` push from the console:
 * validate the settings with the shared schema (defence in depth: garbage is
 * refused with the reason and never applied), apply them through the capture
 * core, remember the applied revision in the state directory, and answer.
 *
 * The same revision with the same content, already applied (e.g. the console
 * pushes again after a restart on either side because it did not see the
 * first answer), is acknowledged without applying again. The console still
 * decides when to push; the sensor never asks.
 */
import { createHash } from 'node:crypto';
import { CoreNotSupportedError, type CaptureCore } from '../core/capture-core.js';
import type { LinkLog } from '../link-log.js';
import { linkError, settingsApplySchema, type LinkAck, type SettingsApplied } from '../protocol/link-protocol.js';
import { sensorSettingsSchema, type SensorSettings } from '../protocol/settings-schema.js';
import type { LinkStateStore } from '../state/link-state.js';

export interface ApplyPushedSettingsOptions {
  /** The push as received, unvalidated. */
  request: unknown;
  sensorId: string;
  core: CaptureCore;
  store: Pick<LinkStateStore, 'loadAppliedSettings' | 'saveAppliedSettings'>;
  log: LinkLog;
  /** Called with the validated settings once they are applied (or found already applied), before the answer. */
  onApplied?: (settings: SensorSettings) => Promise<void>;
}

/** At most this many problems are named in a refusal (the console keeps 500 characters of it). */
const MAX_PROBLEMS = 5;

export async function applyPushedSettings(options: ApplyPushedSettingsOptions): Promise<LinkAck<SettingsApplied>> {
  const { log, store } = options;
  const envelope = settingsApplySchema.safeParse(options.request);
  if (!envelope.success) {
    log.warn('Refused a malformed settings push from the console; nothing was applied.');
    return linkError('invalid-message', 'The settings push is malformed (it must be { revision, settings } with a whole positive revision); nothing was applied.');
  }
  const { revision } = envelope.data;
  const settings = sensorSettingsSchema.safeParse(envelope.data.settings);
  if (!settings.success) {
    // Paths and messages only, never the values: they may hold secrets.
    const problems = settings.error.issues
      .slice(0, MAX_PROBLEMS)
      .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'settings'}: ${issue.message}`)
      .join('; ');
    log.warn(`Refused settings revision ${revision}; nothing was applied: ${problems}`);
    return linkError('invalid-message', `The sensor refused settings revision ${revision} as not valid (nothing was applied): ${problems}`);
  }
  const digest = createHash('sha256').update(JSON.stringify(settings.data)).digest('hex');
  const previous = await store.loadAppliedSettings();
  if (previous && previous.sensorId === options.sensorId && previous.revision === revision && previous.digest === digest) {
    log.info(`Settings revision ${revision} is already applied.`);
    await options.onApplied?.(settings.data);
    return { data: { revision, applied: true } };
  }
  try {
    await options.core.applySettings(settings.data, revision);
  } catch (error) {
    const reason = (error as Error).message;
    log.error(`Could not apply settings revision ${revision}: ${reason}`);
    return linkError(error instanceof CoreNotSupportedError ? 'unavailable' : 'internal', `The sensor could not apply settings revision ${revision}: ${reason}`);
  }
  try {
    await store.saveAppliedSettings({ sensorId: options.sensorId, revision, digest, appliedAt: new Date().toISOString() });
  } catch (error) {
    // Applied all the same; only a restart would apply it once more.
    log.warn(`Applied settings revision ${revision} but could not remember it: ${(error as Error).message}`);
  }
  log.info(`Applied settings revision ${revision}.`);
  await options.onApplied?.(settings.data);
  return { data: { revision, applied: true } };
}
