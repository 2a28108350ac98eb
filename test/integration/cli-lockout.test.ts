/**
 * SSH sign-ins share the web console's failed sign-in protection: after
 * MAX_FAILED_LOGINS (5) wrong passwords over SSH, the source address is locked
 * out for SSH and the web alike, even with the right password. A console of its
 * own, because the lockout would refuse every other test's sign-ins.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestConsole, type TestConsole } from '../helpers/test-console.js';
import { postSignIn, signInAsAdmin, TEST_ADMIN_PASSWORD } from '../helpers/test-session.js';
import { sshExec } from '../helpers/ssh-client.js';

let testConsole: TestConsole;

before(async () => {
  testConsole = await startTestConsole();
  await signInAsAdmin(testConsole);
});
after(() => testConsole.destroy());

test('five wrong SSH passwords lock the address out of SSH and the web console', async () => {
  const right = await sshExec(testConsole.sshPort, 'admin', TEST_ADMIN_PASSWORD, 'date');
  assert.equal(right.code, 0, right.stderr);
  for (let attempt = 1; attempt <= 5; attempt += 1) {
    const wrong = await sshExec(testConsole.sshPort, 'admin', `wrong-password-${attempt}`, 'date');
    assert.equal(wrong.code, 255);
  }
  const locked = await sshExec(testConsole.sshPort, 'admin', TEST_ADMIN_PASSWORD, 'date');
  assert.equal(locked.code, 255, 'the right password is refused while locked out');
  assert.match(locked.stderr, /Permission denied/);
  const web = await postSignIn(testConsole, 'admin', TEST_ADMIN_PASSWORD);
  assert.equal(web.status, 429);
  const records = await testConsole.garrison.database().db.collection<{ action: string }>('auditRecords').countDocuments({ action: 'auth.locked-out' });
  assert.equal(records, 1);
});
