/**
 * Facts the backups module publishes, and their forwarding to the
 * notifications module as the catalogue's 'backup.failed' and
 * 'backup.missing' (the notifications module leaves backups to raise their
 * own, see its event-sources.ts). The forwarder lives here, on the
 * publishing side, so the notifications module needs no change.
 */
import type { EventBus } from '../../platform/event-bus.js';
import type { Logger } from '../../platform/logger.js';
import type { ServiceRegistry } from '../../platform/console-module.js';
import type { SensorRef } from '../fleet/fleet-events.js';
import type { FailureCode } from './backup-documents.js';
import type { BackupsService } from './backups-service.js';

export interface BackupFailed extends SensorRef {
  runId: string;
  code: FailureCode;
  reason: string;
  targetId: string;
  at: Date;
}

export interface BackupSucceeded extends SensorRef {
  runId: string;
  fileId: string;
  fileName: string;
  sizeBytes: number;
  at: Date;
}

export interface BackupMissing extends SensorRef {
  hours: number;
  lastSuccessAt: Date | null;
  at: Date;
}

declare module '../../platform/event-bus.js' {
  interface DomainEvents {
    'backup.failed': BackupFailed;
    'backup.succeeded': BackupSucceeded;
    'backup.missing': BackupMissing;
  }
}

declare module '../../platform/console-module.js' {
  interface ConsoleServices {
    backups: BackupsService;
  }
}

function sensorOf(ref: SensorRef): SensorRef {
  return { sensorId: ref.sensorId, sensorName: ref.sensorName, siteId: ref.siteId, zoneId: ref.zoneId };
}

/** Subscribes the forwarders; returns the unsubscribe. Without a notifications module, events stay on the bus. */
export function forwardBackupEvents(bus: EventBus, services: ServiceRegistry, logger: Logger): () => void {
  const notifications = () => {
    try {
      return services.get('notifications');
    } catch {
      return null;
    }
  };
  const offFailed = bus.on('backup.failed', async (failed) => {
    await notifications()
      ?.raise({ type: 'backup.failed', title: `Backup of sensor "${failed.sensorName}" failed: ${failed.reason}`, occurredAt: failed.at, sensor: sensorOf(failed), fields: { reason: `${failed.code}: ${failed.reason}` } })
      .catch((error: unknown) => logger.error({ err: error, runId: failed.runId }, 'could not raise the backup failure notification'));
  });
  const offMissing = bus.on('backup.missing', async (missing) => {
    await notifications()
      ?.raise({ type: 'backup.missing', title: `Sensor "${missing.sensorName}" has no successful backup for ${missing.hours} hours`, occurredAt: missing.at, sensor: sensorOf(missing), fields: { hours: missing.hours } })
      .catch((error: unknown) => logger.error({ err: error, sensorId: missing.sensorId }, 'could not raise the missing backup notification'));
  });
  return () => {
    offFailed();
    offMissing();
  };
}
