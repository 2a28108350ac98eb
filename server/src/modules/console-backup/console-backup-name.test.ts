import assert from 'node:assert/strict';
import { test } from 'node:test';
import { consoleBackupName, parseConsoleBackupName } from './console-backup-name.js';
import { storedFileNameProblem } from '../backup-storage/stored-file-name.js';

test('console backup names carry the version and the console-time date, and parse back', () => {
  const at = new Date(2026, 11, 2, 3, 30, 5);
  const name = consoleBackupName('0.1.0', at);
  assert.equal(name, 'garrison-backup-version-0.1.0-2026-12-02_03-30-05.tar');
  assert.equal(storedFileNameProblem(name), null);
  assert.deepEqual(parseConsoleBackupName(name), { version: '0.1.0', createdAt: at });
  assert.equal(parseConsoleBackupName('garrison-backup-version-1.0.0-rc.1-2026-12-02_03-30-05.tar')?.version, '1.0.0-rc.1');
  assert.equal(parseConsoleBackupName('sensor-backup-version-0.1.0-2026-12-02_03-30-05.tar'), null);
  assert.equal(parseConsoleBackupName('garrison-backup-version-0.1.0-2026-12-02_03-30-05.tar.partial'), null);
});
