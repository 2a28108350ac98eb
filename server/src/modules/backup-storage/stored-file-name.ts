/**
 * Which file names a storage target accepts. Names travel into smbclient's
 * one-command strings (`put /dev/stdin "<name>.partial"`), where `;` splits
 * commands and `"` ends a quoted name, so the allowed set is closed rather
 * than "everything but a few": letters, digits, space and `._-+@=,()`,
 * starting with a letter or digit, at most 200 characters (room for
 * `.partial` inside common 255-byte limits).
 */
import { AppError } from '../../platform/errors.js';

export const PARTIAL_SUFFIX = '.partial';
const STORED_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._+@=,()-]{0,199}$/;

/** Why `name` cannot be stored, as a sentence, or null when it can. */
export function storedFileNameProblem(name: string): string | null {
  if (!STORED_FILE_NAME.test(name)) {
    return 'must be 1 to 200 characters: letters, digits, space and . _ - + @ = , ( ), starting with a letter or digit';
  }
  if (name.includes('..')) return 'must not contain ".."';
  if (name.endsWith(' ')) return 'must not end with a space';
  if (name.endsWith(PARTIAL_SUFFIX)) return `must not end with "${PARTIAL_SUFFIX}"`;
  return null;
}

export function assertStoredFileName(name: string): void {
  const problem = storedFileNameProblem(name);
  if (problem) {
    throw new AppError('validation_failed', `The file name "${name.slice(0, 60)}" ${problem}.`, { problems: [{ path: 'name', message: problem }] });
  }
}
