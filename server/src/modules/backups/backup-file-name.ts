/**
 * `<sensor name>-backup-version-<version>-<yyyy-MM-dd_HH-mm-ss>.tar`, the seed
 * documents' naming, with the console's local time. Sensor names and versions
 * come from outside (an operator typed the name on the sensor), so each is
 * made safe for every target: only letters, digits, `.`, `_` and `-` survive,
 * anything else becomes `_`, `..` cannot occur, and the name starts with a
 * letter or digit (the storage module's stored-file-name rules are stricter
 * than any file system's, and this stays inside them).
 */
const UNSAFE = /[^A-Za-z0-9._-]+/g;
const MAX_PART = 80;

export function fileNamePart(text: string, fallback: string): string {
  const safe = text
    .normalize('NFKD')
    .replace(UNSAFE, '_')
    .replace(/\.{2,}/g, '_')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, MAX_PART)
    .replace(/[._-]+$/, '');
  return safe.length > 0 ? safe : fallback;
}

function twoDigits(value: number): string {
  return String(value).padStart(2, '0');
}

export function consoleLocalStamp(at: Date): string {
  return `${at.getFullYear()}-${twoDigits(at.getMonth() + 1)}-${twoDigits(at.getDate())}_${twoDigits(at.getHours())}-${twoDigits(at.getMinutes())}-${twoDigits(at.getSeconds())}`;
}

/** The prefix every backup file of a sensor starts with (listing, retention). */
export function backupFilePrefix(sensorName: string): string {
  return `${fileNamePart(sensorName, 'sensor')}-backup-version-`;
}

export function backupFileName(sensorName: string, coreVersion: string, at: Date): string {
  return `${backupFilePrefix(sensorName)}${fileNamePart(coreVersion, 'unknown')}-${consoleLocalStamp(at)}.tar`;
}
