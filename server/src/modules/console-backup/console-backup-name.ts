/**
 * Console backup file names: `garrison-backup-version-<version>-<yyyy-MM-dd_HH-mm-ss>.tar`,
 * the date in console time, like the sensors' backups (the seed documents).
 */
export const CONSOLE_BACKUP_PREFIX = 'garrison-backup-version-';
const NAME_PATTERN = /^garrison-backup-version-([0-9A-Za-z.+-]+)-(\d{4})-(\d{2})-(\d{2})_(\d{2})-(\d{2})-(\d{2})\.tar$/;

function twoDigits(value: number): string {
  return String(value).padStart(2, '0');
}

export function consoleBackupName(version: string, at: Date): string {
  const date = `${at.getFullYear()}-${twoDigits(at.getMonth() + 1)}-${twoDigits(at.getDate())}`;
  const time = `${twoDigits(at.getHours())}-${twoDigits(at.getMinutes())}-${twoDigits(at.getSeconds())}`;
  return `${CONSOLE_BACKUP_PREFIX}${version}-${date}_${time}.tar`;
}

/** The version and time a name says, or null when it is not a console backup's name. */
export function parseConsoleBackupName(name: string): { version: string; createdAt: Date } | null {
  const match = NAME_PATTERN.exec(name);
  if (!match) return null;
  const [, version, year, month, day, hours, minutes, seconds] = match.map(String) as [string, string, string, string, string, string, string, string];
  return { version, createdAt: new Date(Number(year), Number(month) - 1, Number(day), Number(hours), Number(minutes), Number(seconds)) };
}
