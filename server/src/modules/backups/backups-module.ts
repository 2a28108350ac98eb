/**
 * The backups module: scheduled and on-demand sensor backups collected over
 * the link onto a backup-storage target, with retention, failure reasons,
 * "no backup for N hours" and restore. Provides the `backups` service.
 *
 * On the link port it serves `/backup/v1/upload/<token>` (the sensor PUTs its
 * archive) and `/backup/v1/restore/<token>` (the sensor GETs one back), to the
 * linked sensor the token was issued to. Jobs: 'backup-run' (one per run,
 * four at once), 'backup-schedule-tick' and 'backup-missing-check'.
 */
import { BACKUP_RESTORE_PATH_PREFIX, BACKUP_UPLOAD_PATH_PREFIX } from '../../../../sensor-link/src/protocol/link-protocol.js';
import type { ConsoleContext, ConsoleModule } from '../../platform/console-module.js';
import { sensorModel, type SensorDocument } from '../fleet/sensor-model.js';
import { backupCollections, ensureBackupIndexes } from './backup-documents.js';
import { forwardBackupEvents } from './backup-events.js';
import { BackupRestorer } from './backup-restore.js';
import { backupRoutes } from './backup-routes.js';
import { BackupRunner } from './backup-runner.js';
import { BackupsService } from './backups-service.js';
import { backupMissingCheckJob, MISSING_CHECK_INTERVAL } from './jobs/backup-missing-check-job.js';
import { backupRunJob } from './jobs/backup-run-job.js';
import { backupScheduleTickJob, SCHEDULE_TICK_INTERVAL } from './jobs/backup-schedule-tick-job.js';
import { UploadReceiver } from './upload-receiver.js';

export function createBackupsModule(context: ConsoleContext): ConsoleModule {
  const logger = context.logger.child({ module: 'backups' });
  const store = backupCollections(context.db);
  const sensors = sensorModel(context.connection);
  const findSensor = (sensorId: string) => sensors.findById(sensorId).lean<SensorDocument>().exec();
  const receiver = new UploadReceiver(() => context.services.get('backupStorage'), logger);
  const runner = new BackupRunner({ context, store, receiver, findSensor, logger });
  const restorer = new BackupRestorer(context, store, findSensor, logger);
  const runJob = backupRunJob((runId) => runner.run(runId));
  const service = new BackupsService({ context, store, sensors, runner, restorer, enqueue: (runId) => context.scheduler.now(runJob, { runId }), logger });
  const tickJob = backupScheduleTickJob(() => service.createDueRuns());
  const missingJob = backupMissingCheckJob(() => service.checkMissing());
  context.services.provide('backups', service);
  let stopForwarding: (() => void) | null = null;

  return {
    name: 'backups',
    apiRouters: backupRoutes(context.apiRoutes, service, context.services),
    jobKinds: [runJob, tickJob, missingJob],
    async start() {
      await ensureBackupIndexes(store);
      const link = context.services.get('sensorLink');
      link.registerSensorRoute(BACKUP_UPLOAD_PATH_PREFIX, (req, res, sensor) => receiver.handle(req, res, sensor, new URL(req.url ?? '/', 'https://link').pathname.slice(BACKUP_UPLOAD_PATH_PREFIX.length)));
      link.registerSensorRoute(BACKUP_RESTORE_PATH_PREFIX, (req, res, sensor) => restorer.handle(req, res, sensor, new URL(req.url ?? '/', 'https://link').pathname.slice(BACKUP_RESTORE_PATH_PREFIX.length)));
      stopForwarding = forwardBackupEvents(context.events, context.services, logger);
      const abandoned = await service.failAbandonedRuns();
      if (abandoned > 0) logger.warn({ abandoned }, 'backup runs left running by a stopped console were marked failed');
      await context.scheduler.every(SCHEDULE_TICK_INTERVAL, tickJob, {});
      await context.scheduler.every(MISSING_CHECK_INTERVAL, missingJob, {});
      const target = await context.services.get('backupStorage').describe(await context.services.get('backupStorage').defaultTargetId());
      context.components.set('backups', 'up', `sensor backups scheduled; default target ${target?.name ?? 'unknown'}`);
    },
    async stop() {
      context.components.set('backups', 'stopped');
      // The link closed before this (reverse start order): uploads in flight have aborted; wait for their runs to record it.
      await runner.idle();
      stopForwarding?.();
    },
  };
}
