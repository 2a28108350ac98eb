import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { storedFileNameProblem } from '../backup-storage/stored-file-name.js';
import { backupFileName, fileNamePart } from './backup-file-name.js';

describe('backup file names', () => {
  const at = new Date(2026, 0, 5, 3, 7, 9);

  it('follows <name>-backup-version-<version>-<yyyy-MM-dd_HH-mm-ss>.tar', () => {
    assert.equal(backupFileName('plant-a-sensor-1', '24.1.3', at), 'plant-a-sensor-1-backup-version-24.1.3-2026-01-05_03-07-09.tar');
  });

  const hostile = ['../../etc/passwd', '/abs/path', 'a\\b', 'name;rm -rf /', '"quoted"', 'x\0y', '..', '....', ' lead space', 'ünïcødé Sensor', 'é', '-dash', 'a'.repeat(300), 'line\nbreak', '$(whoami)', 'name.partial'];
  for (const name of hostile) {
    it(`makes ${JSON.stringify(name.slice(0, 30))} safe for every target`, () => {
      const file = backupFileName(name, '1.0/../x', at);
      assert.equal(storedFileNameProblem(file), null, file);
      assert.ok(!file.includes('/') && !file.includes('\\') && !file.includes('..'), file);
      assert.ok(file.length <= 200, file);
    });
  }

  it('falls back when nothing usable is left', () => {
    assert.equal(fileNamePart('///', 'sensor'), 'sensor');
  });
});
