/**
 * The settings module: per-scope sensor settings, their effective merge, the
 * drift report and clock-drift events. Provides the `settings` service; the
 * link calls `effectiveFor(sensorId)` to push and `recordApplyResult(...)` when
 * a sensor acknowledges, and listens to 'settings.changed' for whom to push to.
 */
import type { ConsoleContext, ConsoleModule } from '../../platform/console-module.js';
import { sensorModel } from '../fleet/sensor-model.js';
import { siteModel } from '../fleet/sites/site-model.js';
import { zoneModel } from '../fleet/zones/zone-model.js';
import { ApplyResultRecorder } from './apply-result-recorder.js';
import { ClockDriftMonitor, type ClockDriftOptions } from './clock-drift-monitor.js';
import { PushConfirmations } from './push-confirmations.js';
import { SettingsDrift } from './settings-drift.js';
import { settingsModels, type SensorSettingsStatusDocument } from './settings-model.js';
import { SettingsRevisions } from './settings-revisions.js';
import { settingsRoutes } from './settings-routes.js';
import { SettingsService } from './settings-service.js';

export interface SettingsModuleOptions {
  clockDrift?: ClockDriftOptions;
}

export function createSettingsModule(context: ConsoleContext, options: SettingsModuleOptions = {}): ConsoleModule {
  const logger = context.logger.child({ module: 'settings' });
  const models = settingsModels(context.connection);
  const sensors = sensorModel(context.connection);
  const confirmations = new PushConfirmations({ pushesSettled: () => context.services.get('sensorLink').settingsPushesSettled() });
  const service = new SettingsService({
    revisions: new SettingsRevisions(models, context.db),
    drift: new SettingsDrift(models, sensors, new ApplyResultRecorder(context.db.collection<SensorSettingsStatusDocument>('sensorSettingsStatus'), sensors, context.events)),
    sensors,
    sensorsInScope: (scope, confirm) => context.services.get('placements').inScope(scope, confirm),
    confirmations,
    sites: siteModel(context.connection),
    zones: zoneModel(context.connection),
    secretBox: context.secretBox,
    events: context.events,
    logger,
  });
  context.services.provide('settings', service);
  const clockDrift = new ClockDriftMonitor(models, context.events, logger, options.clockDrift);
  let stopListening: (() => void) | null = null;

  return {
    name: 'settings',
    apiRouters: [settingsRoutes({ catalogue: context.apiRoutes, settings: service, previewService: service, models, services: context.services })],
    async start() {
      clockDrift.start();
      stopListening = context.events.on('sensor.placement-changed', (moved) =>
        service.onSensorMoved(moved.sensorId).catch((error: unknown) => logger.error({ err: error, sensorId: moved.sensorId }, 'could not raise the revision of a moved sensor')),
      );
    },
    async stop() {
      stopListening?.();
      clockDrift.stop();
      await confirmations.stop();
      await clockDrift.idle();
    },
  };
}
