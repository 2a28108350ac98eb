/** smbclient's `ls`, `du` and NT_STATUS output as Samba 4.17 prints them, turned into files, space and failure codes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseListing, parseSpace } from './smb-driver.js';
import { smbFailure } from './smbclient-process.js';

const LS = [
  '  .                                   D        0  Wed Dec  2 04:30:09 2026',
  '  ..                                  D        0  Wed Dec  2 04:30:09 2026',
  '  sensor b-backup-version-1.2.3-2026-12-02_03-00-00.tar      A 52428800  Wed Dec  2 04:30:10 2026',
  '  half.tar.partial                    A     1000  Tue Dec  1 23:59:59 2026',
  '  garrison                            D        0  Wed Dec  2 04:30:09 2026',
  '',
  '\t\t264212084 blocks of size 1024. 82052056 blocks available',
].join('\n');

test('ls lists files (partials too, never folders) with sizes and times', () => {
  const files = parseListing(LS);
  assert.deepEqual(
    files.map((file) => [file.name, file.sizeBytes]),
    [
      ['sensor b-backup-version-1.2.3-2026-12-02_03-00-00.tar', 52428800],
      ['half.tar.partial', 1000],
    ],
  );
  assert.equal(files[0]!.modifiedAt.getFullYear(), 2026);
});

test('du gives total and free bytes', () => {
  assert.deepEqual(parseSpace(`${LS}\nTotal number of bytes: 52429800\n`), { totalBytes: 264212084 * 1024, freeBytes: 82052056 * 1024 });
  assert.equal(parseSpace('nothing useful'), null);
});

test('NT_STATUS words become failure codes with words a person reads', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['session setup failed: NT_STATUS_LOGON_FAILURE', 'logon-failure', /logon failure/],
    ['tree connect failed: NT_STATUS_BAD_NETWORK_NAME', 'share-not-found', /share not found/],
    ['NT_STATUS_ACCESS_DENIED opening remote file \\x.partial', 'access-denied', /access denied/],
    ['cli_push returned NT_STATUS_DISK_FULL', 'not-enough-space', /disk full/],
    ['do_connect: Connection to 10.0.0.9 failed (Error NT_STATUS_HOST_UNREACHABLE)', 'unreachable', /host unreachable/],
    ['do_connect: Connection to 127.0.0.1 failed (Error NT_STATUS_CONNECTION_REFUSED)', 'unreachable', /host unreachable/],
    ['NT_STATUS_IO_TIMEOUT', 'unreachable', /host unreachable/],
    ['NT_STATUS_OBJECT_NAME_NOT_FOUND opening remote file \\nope.tar', 'not-found', /not found/],
    ['something odd happened', 'io-error', /smbclient said "something odd happened"/],
  ];
  for (const [output, code, words] of cases) {
    const failure = smbFailure(output, 'do it');
    assert.equal(failure.code, code, output);
    assert.match(failure.message, words);
  }
});
