/**
 * `cert import` and `cert self-signed` over the real OpenSSH client: files read
 * on the console host (absolute paths only), the same refusals as the API, the
 * new certificate served to the next handshake without restart, admins only.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startTestConsole, type TestConsole } from '../helpers/test-console.js';
import { sshExec } from '../helpers/ssh-client.js';
import { api, signIn, signInAs, signInAsAdmin, TEST_ADMIN_PASSWORD } from '../helpers/test-session.js';
import { encryptedKeyPem, handshakeTrusts, makeCertificate, servedCertificate, type TestCertificate } from './web-certificate-fixtures.js';

let testConsole: TestConsole;
let directory: string;
let webCa: TestCertificate;

before(async () => {
  testConsole = await startTestConsole();
  await signInAsAdmin(testConsole);
  directory = await mkdtemp(path.join(os.tmpdir(), 'garrison-cert-cli-'));
  webCa = makeCertificate({ isCa: true });
});
after(async () => {
  await testConsole.destroy();
  await rm(directory, { recursive: true, force: true });
});

const asAdmin = (command: string) => sshExec(testConsole.sshPort, 'admin', TEST_ADMIN_PASSWORD, command);

async function file(name: string, content: string): Promise<string> {
  const target = path.join(directory, name);
  await writeFile(target, content, { mode: 0o600 });
  return target;
}

test('cert import with an encrypted key and a chain is served at once; cert self-signed goes back', async () => {
  const leaf = makeCertificate({ issuer: webCa, commonName: 'cli.example.test' });
  const crt = await file('web.crt', leaf.certificatePem);
  const key = await file('web.key', encryptedKeyPem(leaf, 'cli secret'));
  const chain = await file('chain.pem', webCa.certificatePem);

  const imported = await asAdmin(`cert import --crt ${crt} --key ${key} --chain ${chain} --pass 'cli secret'`);
  assert.equal(imported.code, 0, imported.stderr);
  assert.match(imported.stdout, /now serves the imported certificate/);
  assert.match(imported.stdout, /Subject: +CN=cli\.example\.test/);
  const served = await servedCertificate(testConsole.httpsPort);
  assert.equal(served.fingerprint256, new X509Certificate(leaf.certificatePem).fingerprint256);
  assert.equal(await handshakeTrusts(testConsole.httpsPort, webCa.certificatePem), true);

  const shown = await asAdmin('cert show');
  assert.match(shown.stdout, /Source: +uploaded by admin/);

  const [audit] = await testConsole.garrison.database().db.collection('auditRecords').find({ action: 'pki.web-certificate-uploaded', outcome: 'success' }).toArray();
  assert.equal(audit?.actor.name, 'admin');
  assert.equal(audit?.sourceAddress, '127.0.0.1');
  assert.doesNotMatch(JSON.stringify(audit), /cli secret/);

  const reset = await asAdmin('cert self-signed');
  assert.equal(reset.code, 0, reset.stderr);
  assert.match(reset.stdout, /console CA's certificate/);
  assert.equal(await handshakeTrusts(testConsole.httpsPort, testConsole.caPem), true);
});

test('cert import refuses bad paths and bad certificates with a reason on stderr', async () => {
  const small = makeCertificate({ bits: 1024 });
  const smallCrt = await file('small.crt', small.certificatePem);
  const smallKey = await file('small.key', small.privateKeyPem);
  const unreadable = await file('unreadable.key', small.privateKeyPem);
  await chmod(unreadable, 0o000);
  const cases: [string, RegExp][] = [
    [`cert import --crt ${smallCrt} --key ${smallKey}`, /1024 bits; at least 2048/],
    [`cert import --crt web.crt --key ${smallKey}`, /crt: must be an absolute path/],
    [`cert import --crt ${path.join(directory, 'missing.crt')} --key ${smallKey}`, /does not exist on the console host/],
    [`cert import --key ${smallKey}`, /crt: is missing/],
  ];
  // Root reads any file, so the permission case only means something for other users.
  if (process.getuid?.() !== 0) cases.push([`cert import --crt ${smallCrt} --key ${unreadable}`, /not readable by the console's user/]);
  for (const [command, reason] of cases) {
    const result = await asAdmin(command);
    assert.notEqual(result.code, 0, command);
    assert.match(result.stderr, reason, command);
  }
  const served = await servedCertificate(testConsole.httpsPort);
  assert.match(String(served.issuer.CN), /Garrison Console CA/);
});

test('a security analyst may not import certificates', async () => {
  const admin = await signInAsAdmin(testConsole);
  const analyst = await signInAs(testConsole, 'security-analyst');
  // signInAs chose a random password; set a known one through the API and change it as the user must.
  const analystPassword = `analyst-${Date.now()}-password`;
  const reset = await api(testConsole, 'POST', `/users/${analyst.userId}/reset-password`, { headers: admin.headers, body: { newPassword: `${analystPassword}-initial` } });
  assert.ok(reset.status === 200 || reset.status === 204, reset.text);
  await signIn(testConsole, analyst.username, `${analystPassword}-initial`, analystPassword);
  const leaf = makeCertificate({ issuer: webCa });
  const crt = await file('analyst.crt', leaf.certificatePem);
  const key = await file('analyst.key', leaf.privateKeyPem);
  const result = await sshExec(testConsole.sshPort, analyst.username, analystPassword, `cert import --crt ${crt} --key ${key}`);
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /does not allow "cert import"/);
});
