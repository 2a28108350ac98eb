/**
 * The web console certificate through the API: each refusal reason names its
 * field and changes nothing; an accepted upload is served to the next TLS
 * handshake on the HTTPS port without a restart (the sensor link port keeps
 * the console CA's certificate); the key is sealed at rest and never shown;
 * DELETE and POST …/self-signed go back to the console CA's certificate.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { startTestConsole, type TestConsole } from '../helpers/test-console.js';
import { request } from '../helpers/https-client.js';
import { api, sessionFrom, signInAs, signInAsAdmin, TEST_ADMIN_PASSWORD, type SignedIn } from '../helpers/test-session.js';
import { encryptedKeyPem, handshakeTrusts, makeCertificate, makeWeakCurveCertificate, servedCertificate, type TestCertificate } from './web-certificate-fixtures.js';

let testConsole: TestConsole;
let admin: SignedIn;
let webCa: TestCertificate;
let first: TestConsole;

before(async () => {
  testConsole = await startTestConsole();
  first = testConsole;
  admin = await signInAsAdmin(testConsole);
  webCa = makeCertificate({ isCa: true });
});
after(async () => {
  await testConsole.stop();
  await first.destroy();
});

interface CertificateView {
  source: string;
  subject: string;
  issuer: string;
  subjectAltNames: string[];
  notAfter: string;
  fingerprintSha256: string;
  chainLength: number;
}

/** Both the console CA and the test CA: API calls keep working whichever certificate is served. */
const bothCas = () => `${testConsole.caPem}\n${webCa.certificatePem}`;
const put = (body: unknown) =>
  request<{ error?: { code: string; message: string; details: { problems: { path: string; message: string }[] } } } & CertificateView>(
    `${testConsole.baseUrl}/api/v1/pki/web-certificate`,
    { method: 'PUT', body, headers: admin.headers, ca: bothCas() },
  );

test('by default the console CA certificate is served and described, without any key', async () => {
  const response = await api<CertificateView>(testConsole, 'GET', '/pki/web-certificate', { headers: admin.headers });
  assert.equal(response.status, 200, response.text);
  assert.equal(response.body.source, 'console-ca');
  assert.match(response.body.issuer, /Garrison Console CA/);
  assert.ok(response.body.subjectAltNames.includes('DNS:localhost'), response.text);
  assert.doesNotMatch(response.text, /PRIVATE KEY|BEGIN/);
  const served = await servedCertificate(testConsole.httpsPort);
  assert.equal(served.fingerprint256, response.body.fingerprintSha256);
});

test('uploads are refused with the reason and the field, and nothing changes', async () => {
  const leaf = makeCertificate({ issuer: webCa });
  const other = makeCertificate({ issuer: webCa });
  const otherCa = makeCertificate({ isCa: true, commonName: 'Another CA' });
  const weakCurve = makeWeakCurveCertificate();
  const small = makeCertificate({ bits: 1024 });
  const cases: { name: string; body: Record<string, unknown>; field: string; reason: RegExp }[] = [
    { name: 'RSA key under 2048 bits', body: { certificate: small.certificatePem, privateKey: small.privateKeyPem }, field: 'privateKey', reason: /1024 bits; at least 2048/ },
    { name: 'weak curve', body: { certificate: weakCurve.certificatePem, privateKey: weakCurve.privateKeyPem }, field: 'privateKey', reason: /secp224r1 is not accepted/ },
    { name: 'key of another certificate', body: { certificate: leaf.certificatePem, privateKey: other.privateKeyPem }, field: 'privateKey', reason: /does not match the certificate/ },
    { name: 'expired', body: pair(makeCertificate({ issuer: webCa, notBeforeDays: -60, notAfterDays: -1 })), field: 'certificate', reason: /expired on/ },
    { name: 'not yet valid', body: pair(makeCertificate({ issuer: webCa, notBeforeDays: 2, notAfterDays: 60 })), field: 'certificate', reason: /not valid before/ },
    { name: 'chain from another CA', body: { ...pair(leaf), chain: otherCa.certificatePem }, field: 'chain', reason: /chain does not verify: .*Another CA.* did not sign/ },
    { name: 'chain of a leaf certificate', body: { ...pair(leaf), chain: other.certificatePem }, field: 'chain', reason: /is not a CA certificate/ },
    { name: 'encrypted key without passphrase', body: { certificate: leaf.certificatePem, privateKey: encryptedKeyPem(leaf, 'right-passphrase') }, field: 'passphrase', reason: /encrypted: give its passphrase/ },
    { name: 'wrong passphrase', body: { certificate: leaf.certificatePem, privateKey: encryptedKeyPem(leaf, 'right-passphrase'), passphrase: 'wrong' }, field: 'passphrase', reason: /does not open/ },
    { name: 'not PEM', body: { certificate: 'hello', privateKey: leaf.privateKeyPem }, field: 'certificate', reason: /no PEM certificate/ },
    { name: 'missing key', body: { certificate: leaf.certificatePem }, field: 'privateKey', reason: /missing/ },
    { name: 'unknown field', body: { ...pair(leaf), keyPassword: 'x' }, field: '', reason: /keyPassword|Unrecognized|unknown/i },
  ];
  const before = await servedCertificate(testConsole.httpsPort);
  for (const { name, body, field, reason } of cases) {
    const response = await put(body);
    assert.equal(response.status, 400, `${name}: ${response.text}`);
    assert.equal(response.body.error?.code, 'validation_failed', name);
    const problems = response.body.error?.details.problems ?? [];
    if (field !== '') assert.ok(problems.some((problem) => problem.path === field), `${name}: ${response.text}`);
    assert.match(response.text, reason, name);
    assert.doesNotMatch(response.text, /PRIVATE KEY|right-passphrase/, `${name}: the answer echoes no key material`);
  }
  const after = await servedCertificate(testConsole.httpsPort);
  assert.equal(after.fingerprint256, before.fingerprint256);
  const current = await api<CertificateView>(testConsole, 'GET', '/pki/web-certificate', { headers: admin.headers });
  assert.equal(current.body.source, 'console-ca');
  const refusals = await testConsole.garrison.database().db.collection('auditRecords').find({ action: 'pki.web-certificate-uploaded', outcome: 'failure' }).toArray();
  assert.ok(refusals.length >= 8, `refusals audited: ${refusals.length}`);
});

function pair(certificate: TestCertificate) {
  return { certificate: certificate.certificatePem, privateKey: certificate.privateKeyPem };
}

test('an accepted upload is served to the next handshake without restart; back to the console CA after', async () => {
  const leaf = makeCertificate({ issuer: webCa, commonName: 'garrison.example.test' });
  const expected = new X509Certificate(leaf.certificatePem);
  const uploadedAt = performance.now();
  const response = await put({ certificate: leaf.certificatePem, privateKey: encryptedKeyPem(leaf, 'a passphrase'), chain: webCa.certificatePem, passphrase: 'a passphrase' });
  assert.equal(response.status, 200, response.text);
  assert.equal(response.body.source, 'uploaded');
  assert.equal(response.body.fingerprintSha256, expected.fingerprint256);
  assert.equal(response.body.chainLength, 1);
  assert.match(response.body.issuer, /Web Test CA/);

  const served = await servedCertificate(testConsole.httpsPort);
  console.log(`upload to first handshake with the new certificate: ${(performance.now() - uploadedAt).toFixed(0)} ms`);
  assert.equal(served.fingerprint256, expected.fingerprint256);
  assert.equal(served.issuerCertificate?.fingerprint256, new X509Certificate(webCa.certificatePem).fingerprint256, 'the chain is sent too');
  assert.equal(await handshakeTrusts(testConsole.httpsPort, webCa.certificatePem), true);
  assert.equal(await handshakeTrusts(testConsole.httpsPort, testConsole.caPem), false);

  // The sensor link keeps the console CA's certificate: sensors pin that CA.
  const link = await servedCertificate(testConsole.linkPort);
  assert.match(String(link.issuer.CN), /Garrison Console CA/);

  // At rest: sealed, no PEM key, no passphrase.
  const stored = await testConsole.garrison.database().db.collection('webCertificates').findOne({});
  assert.ok(stored);
  assert.doesNotMatch(JSON.stringify(stored), /PRIVATE KEY|a passphrase/);

  const shown = await request<CertificateView>(`${testConsole.baseUrl}/api/v1/pki/web-certificate`, { headers: admin.headers, ca: bothCas() });
  assert.equal(shown.body.source, 'uploaded');
  assert.doesNotMatch(shown.text, /PRIVATE KEY|passphrase/);

  const reset = await request<CertificateView>(`${testConsole.baseUrl}/api/v1/pki/web-certificate`, { method: 'DELETE', headers: admin.headers, ca: bothCas() });
  assert.equal(reset.status, 200, reset.text);
  assert.equal(reset.body.source, 'console-ca');
  assert.equal(await handshakeTrusts(testConsole.httpsPort, testConsole.caPem), true);
  assert.match(String((await servedCertificate(testConsole.httpsPort)).issuer.CN), /Garrison Console CA/);

  // POST …/self-signed does the same (here from an uploaded certificate again).
  assert.equal((await put(pair(makeCertificate({ issuer: webCa })))).status, 200);
  const selfSigned = await request<CertificateView>(`${testConsole.baseUrl}/api/v1/pki/web-certificate/self-signed`, { method: 'POST', headers: admin.headers, ca: bothCas() });
  assert.equal(selfSigned.status, 200, selfSigned.text);
  assert.equal(selfSigned.body.source, 'console-ca');
  assert.equal(await handshakeTrusts(testConsole.httpsPort, testConsole.caPem), true);

  const audited = await testConsole.garrison.database().db.collection('auditRecords').find({ action: { $in: ['pki.web-certificate-uploaded', 'pki.web-certificate-reset'] }, outcome: 'success' }).toArray();
  assert.equal(audited.length, 4);
  assert.doesNotMatch(JSON.stringify(audited), /PRIVATE KEY|a passphrase/);
});

test('an uploaded certificate survives a restart of the console', async () => {
  const leaf = makeCertificate({ issuer: webCa });
  assert.equal((await put(pair(leaf))).status, 200);
  await testConsole.stop();
  const restarted = await startTestConsole({ dataDir: testConsole.dataDir });
  try {
    const served = await servedCertificate(restarted.httpsPort);
    assert.equal(served.fingerprint256, new X509Certificate(leaf.certificatePem).fingerprint256);
  } finally {
    await restarted.stop();
  }
  testConsole = await startTestConsole({ dataDir: testConsole.dataDir });
  // The restarted console serves the uploaded certificate, so sign in trusting its CA too.
  const signedIn = await request(`${testConsole.baseUrl}/api/v1/auth/sign-in`, { method: 'POST', body: { username: 'admin', password: TEST_ADMIN_PASSWORD }, ca: bothCas() });
  assert.equal(signedIn.status, 200, signedIn.text);
  const reset = await request(`${testConsole.baseUrl}/api/v1/pki/web-certificate`, { method: 'DELETE', headers: sessionFrom(signedIn).headers, ca: bothCas() });
  assert.equal(reset.status, 200, reset.text);
});

test('only admins see or change the web certificate', async () => {
  const analyst = await signInAs(testConsole, 'security-analyst');
  for (const [method, path] of [['GET', '/pki/web-certificate'], ['PUT', '/pki/web-certificate'], ['DELETE', '/pki/web-certificate'], ['POST', '/pki/web-certificate/self-signed']] as const) {
    const response = await request(`${testConsole.baseUrl}/api/v1${path}`, { method, headers: analyst.headers, ca: bothCas(), ...(method === 'PUT' ? { body: {} } : {}) });
    assert.equal(response.status, 403, `${method} ${path}: ${response.text}`);
  }
});
