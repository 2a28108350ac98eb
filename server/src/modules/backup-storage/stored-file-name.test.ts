import assert from 'node:assert/strict';
import { test } from 'node:test';
import { storedFileNameProblem } from './stored-file-name.js';

test('backup file names are plain names that are safe inside smbclient commands', () => {
  for (const name of ['garrison-backup-version-0.1.0-2026-12-02_03-30-00.tar', 'Pump station 4-backup-version-22.2.6-2026-12-02_03-00-00.tar', 'a']) {
    assert.equal(storedFileNameProblem(name), null, name);
  }
  for (const name of ['', '../x.tar', 'a/b', 'a\\b', 'x";del *', 'x;rm', '.hidden', 'x.tar.partial', 'nul\0', 'trailing ', 'a..b', 'é.tar', 'x'.repeat(201)]) {
    assert.notEqual(storedFileNameProblem(name), null, JSON.stringify(name));
  }
});
