/**
 * Retention, applied after each successful backup (never before: the new file
 * must be complete first):
 *   1. per sensor and target, keep the newest `keepPerSensor` (default 9, the
 *      most the old console kept);
 *   2. per target, while the total size is over `maxBytesPerTarget`, delete
 *      the oldest file of any sensor that has another one on that target.
 * Oldest first, and a sensor's last good backup is never deleted to make room.
 * A file already gone from the target is dropped from the records all the same.
 */
import type { Logger } from '../../platform/logger.js';
import { StorageError, type BackupStorageService, type StorageDriver } from '../backup-storage/storage-driver.js';
import { loadPolicy, type BackupFileDocument, type BackupStore } from './backup-documents.js';

export interface RetentionInput {
  store: BackupStore;
  storage: BackupStorageService;
  sensorId: string;
  targetId: string;
  logger: Logger;
}

async function removeFile(driver: StorageDriver, store: BackupStore, file: BackupFileDocument, logger: Logger, why: string): Promise<void> {
  try {
    await driver.remove(file.name);
  } catch (error) {
    if (!(error instanceof StorageError && error.code === 'not-found')) throw error;
  }
  await store.files.deleteOne({ _id: file._id });
  logger.info({ fileName: file.name, sensorId: file.sensorId, why }, 'old backup deleted by retention');
}

/** Returns how many files it deleted. */
export async function applyRetention(input: RetentionInput): Promise<number> {
  const { store, logger } = input;
  const policy = await loadPolicy(store);
  const driver = await input.storage.driverFor(input.targetId);
  let deleted = 0;

  const ofSensor = await store.files.find({ sensorId: input.sensorId, targetId: input.targetId }).sort({ createdAt: -1 }).toArray();
  for (const file of ofSensor.slice(Math.max(1, policy.keepPerSensor))) {
    await removeFile(driver, store, file, logger, `more than ${policy.keepPerSensor} backups of the sensor`);
    deleted += 1;
  }

  if (policy.maxBytesPerTarget !== null) {
    const onTarget = await store.files.find({ targetId: input.targetId }).sort({ createdAt: 1 }).toArray();
    let total = onTarget.reduce((sum, file) => sum + file.sizeBytes, 0);
    const perSensor = new Map<string, number>();
    for (const file of onTarget) perSensor.set(file.sensorId, (perSensor.get(file.sensorId) ?? 0) + 1);
    for (const file of onTarget) {
      if (total <= policy.maxBytesPerTarget) break;
      const count = perSensor.get(file.sensorId) ?? 0;
      if (count <= 1) continue;
      await removeFile(driver, store, file, logger, `the target is over its ${policy.maxBytesPerTarget}-byte cap`);
      perSensor.set(file.sensorId, count - 1);
      total -= file.sizeBytes;
      deleted += 1;
    }
  }
  return deleted;
}
