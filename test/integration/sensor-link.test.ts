/**
 * The mutual-TLS link: who is refused (no certificate, another CA, expired,
 * revoked, protocol mismatch), what happens to malformed messages, renewal
 * over the link, and the public CRL.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import https from 'node:https';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../helpers/free-ports.js';
import { consoleCaOf, rawLinkClient, sensorIdentity } from '../helpers/link-peers.js';
import { startTestConsole, type TestConsole } from '../helpers/test-console.js';
import { createTestSensor, sensorRecord, standingConnectionString, type TestSensor } from '../helpers/test-sensors.js';
import { api, signInAsAdmin, type SignedIn } from '../helpers/test-session.js';

let testConsole: TestConsole;
let admin: SignedIn;
let standing = '';
const sensors: TestSensor[] = [];

async function linkedSensor(name: string): Promise<TestSensor> {
  const sensor = await createTestSensor(name);
  sensors.push(sensor);
  await sensor.enroll(standing);
  await sensor.link();
  await sensor.waitForState('connected');
  return sensor;
}

before(async () => {
  testConsole = await startTestConsole();
  admin = await signInAsAdmin(testConsole);
  standing = (await standingConnectionString(testConsole, admin.headers)).connectionString;
});
after(async () => {
  await Promise.all(sensors.map((sensor) => sensor.stop()));
  await testConsole?.destroy();
});

function linkRequest(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get({ host: '127.0.0.1', port: testConsole.linkPort, path, ca: testConsole.caPem, agent: false }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('the sensor link', () => {
  it('refuses a client without a certificate, on the socket and on every other path', async () => {
    const outcome = await rawLinkClient(testConsole, null);
    assert.equal(outcome.connected, false);
    const other = await linkRequest('/anything');
    assert.equal(other.status, 403);
    assert.match(other.body, /presented none/);
    assert.ok(testConsole.logs.some((line) => line.includes('link refused') && line.includes('no-client-certificate')));
  });

  it('refuses a certificate from another CA', async () => {
    const sensor = await linkedSensor('ca-check');
    const foreign = await sensorIdentity({ sensorId: sensor.enrollment?.sensorId ?? 'x' });
    const outcome = await rawLinkClient(testConsole, foreign);
    assert.equal(outcome.connected, false);
    assert.ok(testConsole.logs.some((line) => line.includes('untrusted-certificate')));
  });

  it('refuses an expired certificate from the console CA, and the sensor says to re-enrol', async () => {
    const sensor = await linkedSensor('expired-01');
    const ca = await consoleCaOf(testConsole);
    const expired = await sensorIdentity({ sensorId: sensor.enrollment?.sensorId ?? 'x', ca, issuedAt: new Date(Date.now() - 3 * 86_400_000), lifetimeDays: 1 });
    const outcome = await rawLinkClient(testConsole, expired);
    assert.equal(outcome.connected, false);
    assert.ok(testConsole.logs.some((line) => line.includes('certificate-expired')));

    sensor.client?.stop();
    await sensor.store.saveRenewed(expired.privateKeyPem, expired.certificatePem);
    await sensor.link();
    const failed = await sensor.waitForState('failed');
    assert.match(failed.message, /certificate expired on .* Re-enrol it with a new connection string/);
  });

  it('refuses an unknown protocol version with a reason', async () => {
    const sensor = await linkedSensor('protocol-01');
    const state = await sensor.store.load();
    assert.ok(state);
    const outcome = await rawLinkClient(testConsole, { certificatePem: state.certificatePem, privateKeyPem: state.privateKeyPem }, { protocolVersion: 99, versions: { sensorLink: '9', core: '9', protocol: 99 } });
    assert.equal(outcome.connected, false);
    assert.equal(outcome.error?.data?.code, 'protocol-mismatch');
    assert.match(outcome.error?.message ?? '', /speaks link protocol 99/);
  });

  it('drops malformed messages, answers them with an error, and keeps the link and the console up', async () => {
    const sensor = await linkedSensor('malformed-01');
    const state = await sensor.store.load();
    assert.ok(state);
    sensor.client?.stop();
    const outcome = await rawLinkClient(testConsole, { certificatePem: state.certificatePem, privateKeyPem: state.privateKeyPem });
    assert.equal(outcome.connected, true);
    const raw = outcome.socket;
    try {
      const answer: unknown = await raw.timeout(5000).emitWithAck('health:report', { packetsPerSecond: 'lots', extra: true });
      assert.deepEqual(answer, { error: { code: 'invalid-message', message: 'The health:report message is not valid and was dropped.' } });
      raw.emit('no-such-event', { a: 1 });
      raw.emit('health:report', null);
      raw.emit('certificate:renew', { csrPem: 'not a csr' });
      const renewal: unknown = await raw.timeout(5000).emitWithAck('certificate:renew', { csrPem: '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----' });
      assert.match(JSON.stringify(renewal), /invalid-message/);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(raw.connected, true, 'the link stays up');
      assert.ok(testConsole.logs.some((line) => line.includes('dropped a malformed link message')));
      assert.ok(testConsole.logs.some((line) => line.includes('unknown event name')));
      assert.equal((await api(testConsole, 'GET', '/health')).status < 500, true, 'the console still answers');
    } finally {
      raw.close();
    }
  });

  it('renews the certificate over the link; the old serial is revoked and the new one links', async () => {
    const sensor = await linkedSensor('renew-01');
    const before = await sensor.store.load();
    assert.ok(before && sensor.client);
    await sensor.client.renewCertificate();
    const after = await sensor.store.load();
    assert.ok(after);
    assert.notEqual(after.certificatePem, before.certificatePem);
    assert.notEqual(after.privateKeyPem, before.privateKeyPem);
    const record = await sensorRecord(testConsole, before.sensorId);
    const newSerial = new X509Certificate(after.certificatePem).serialNumber.toLowerCase();
    assert.equal((record?.certificate as { serialNumber: string }).serialNumber.toLowerCase(), newSerial);
    await sensor.link();
    await sensor.waitForState('connected');
    const old = await rawLinkClient(testConsole, { certificatePem: before.certificatePem, privateKeyPem: before.privateKeyPem });
    assert.equal(old.connected, false);
    assert.equal(old.error?.data?.code, 'unknown-sensor');
  });

  it('closes a revoked sensor\'s live link within 5 s, refuses it afterwards, and lists it in the CRL', async () => {
    const sensor = await linkedSensor('revoke-01');
    const sensorId = sensor.enrollment?.sensorId ?? '';
    const state = await sensor.store.load();
    assert.ok(state);
    const startedAt = Date.now();
    const revoked = await api(testConsole, 'POST', `/sensors/${sensorId}/revoke`, { body: {}, headers: admin.headers });
    assert.equal(revoked.status < 300, true, revoked.text);
    const failed = await sensor.waitForState('failed', 5000);
    assert.ok(Date.now() - startedAt <= 5000);
    assert.equal(failed.refusal?.code, 'revoked');

    const again = await rawLinkClient(testConsole, { certificatePem: state.certificatePem, privateKeyPem: state.privateKeyPem });
    assert.equal(again.connected, false);
    assert.equal(again.error?.data?.code, 'revoked');

    const crl = await api(testConsole, 'GET', '/pki/crl');
    assert.equal(crl.status, 200);
    assert.equal(crl.headers['content-type'], 'application/pkix-crl');
    const crlDer = await new Promise<Buffer>((resolve, reject) => {
      https.get(`${testConsole.baseUrl}/api/v1/pki/crl`, { ca: testConsole.caPem }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve(Buffer.concat(chunks)));
      }).on('error', reject);
    });
    const text = execFileSync('openssl', ['crl', '-inform', 'DER', '-noout', '-text'], { input: crlDer }).toString();
    const serial = new X509Certificate(state.certificatePem).serialNumber.replace(/^0+/, '');
    assert.match(text.replace(/\s/g, '').toUpperCase(), new RegExp(`SERIALNUMBER:0*${serial}`));
    await waitFor(async () => (await sensorRecord(testConsole, sensorId))?.state === 'revoked', 2000, () => 'revoked stays revoked');
  });
});
