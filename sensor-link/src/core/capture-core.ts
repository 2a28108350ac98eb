/**
 * The seam between sensor-link and the sensor's capture core. sensor-link
 * never reads capture internals itself: it asks an adapter. `facts` and
 * `health` must work in every adapter; the others may throw
 * CoreNotSupportedError until the adapter implements them.
 */
export interface CoreFacts {
  /** A suggested sensor name (the operator's --name wins). */
  name: string;
  /** The capture core's version, reported to the console and compared for restores. */
  version: string;
}

export interface CoreHealth {
  packetsPerSecond: number;
  bytesPerSecond: number;
  /** Disk use of the capture store, 0-100. */
  diskUsedPercent: number;
  uptimeSeconds: number;
}

/** An archive's size and SHA-256 (hex), measured while it was written. */
export interface ProducedBackup {
  sizeBytes: number;
  sha256: string;
}

export interface CaptureCore {
  facts(): Promise<CoreFacts>;
  health(): Promise<CoreHealth>;
  applySettings(settings: unknown, revision: number): Promise<void>;
  /**
   * Writes a backup archive to `targetFile`. An adapter that measured the
   * archive as it wrote it (e.g. a hashing stream in front of the file)
   * returns its size and SHA-256, so the upload starts as soon as the file is
   * complete; one that returns nothing costs a second reading pass (the digest
   * must be known before the upload starts: it travels in the request
   * headers). The console checks both values against what it receives.
   */
  produceBackup(targetFile: string): Promise<ProducedBackup | void>;
  restoreBackup(sourceFile: string): Promise<void>;
}

export class CoreNotSupportedError extends Error {
  constructor(operation: string, adapter: string) {
    super(`${operation} is not supported by the ${adapter} capture-core adapter yet.`);
    this.name = 'CoreNotSupportedError';
  }
}
