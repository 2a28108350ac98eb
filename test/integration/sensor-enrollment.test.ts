/**
 * Enrolment over the real link port with the real sensor-link code: the full
 * flow to a linked, assigned sensor, and every refusal of a connection string.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { encodeConnectionString, parseConnectionString } from '../../sensor-link/src/protocol/connection-string.js';
import { generateRsaKeyPair, issueCertificate, keyIdentifier } from '../../server/src/modules/pki/certificate-builder.js';
import { publicKeyPinOf } from '../../server/src/modules/pki/console-ca.js';
import { waitFor } from '../helpers/free-ports.js';
import { startTestConsole, type TestConsole } from '../helpers/test-console.js';
import { createTestSensor, sensorRecord, singleUseConnectionString, standingConnectionString, type TestSensor } from '../helpers/test-sensors.js';
import { api, signInAsAdmin, type SignedIn } from '../helpers/test-session.js';

// 50 parallel enrolments come from one address; the per-address limit has its own unit test.

let testConsole: TestConsole;
let admin: SignedIn;
const sensors: TestSensor[] = [];

async function sensor(name: string): Promise<TestSensor> {
  const created = await createTestSensor(name);
  sensors.push(created);
  return created;
}

before(async () => {
  testConsole = await startTestConsole({ env: { GARRISON_ENROLL_ATTEMPTS_PER_MINUTE: '1000' } });
  admin = await signInAsAdmin(testConsole);
});
after(async () => {
  await Promise.all(sensors.map((each) => each.stop()));
  await testConsole?.destroy();
});

function auditRecords(action: string) {
  return testConsole.garrison.database().db.collection('auditRecords').find({ action }).toArray();
}

describe('sensor enrolment', () => {
  it('enrols with a single-use string into its zone, links, and is moved to another zone over REST', async () => {
    const site = await api<{ id: string }>(testConsole, 'POST', '/sites', { body: { name: 'Plant North' }, headers: admin.headers });
    assert.equal(site.status, 201, site.text);
    const zoneA = await api<{ id: string }>(testConsole, 'POST', '/zones', { body: { siteId: site.body.id, name: 'Line 1' }, headers: admin.headers });
    const zoneB = await api<{ id: string }>(testConsole, 'POST', '/zones', { body: { siteId: site.body.id, name: 'Line 2' }, headers: admin.headers });
    assert.equal(zoneA.status, 201, zoneA.text);

    const { connectionString } = await singleUseConnectionString(testConsole, admin.headers, { zoneId: zoneA.body.id });
    const parsed = parseConnectionString(connectionString);
    assert.equal(parsed.caPin, publicKeyPinOf(new X509Certificate(testConsole.caPem)));
    assert.deepEqual(parsed.addresses.map((address) => address.port), [testConsole.linkPort, testConsole.linkPort]);

    const north = await sensor('north-01');
    const result = await north.enroll(connectionString);
    assert.equal(result.zoneId, zoneA.body.id);
    assert.equal((await stat(path.join(north.store.directory, 'key.pem'))).mode & 0o777, 0o600);
    assert.ok(new X509Certificate(result.certificatePem).verify(new X509Certificate(testConsole.caPem).publicKey));

    await north.link();
    await north.waitForState('connected');
    await waitFor(async () => (await sensorRecord(testConsole, result.sensorId))?.state === 'connected', 5000, () => 'sensor connected in the fleet');

    const moved = await api(testConsole, 'PUT', `/sensors/${result.sensorId}/zone`, { body: { zoneId: zoneB.body.id }, headers: admin.headers });
    assert.equal(moved.status, 200, moved.text);
    assert.equal((await sensorRecord(testConsole, result.sensorId))?.zoneId, zoneB.body.id);
    assert.equal((await auditRecords('sensor.enrolled')).length >= 1, true);
  });

  it('re-enrolling the same name keeps the id and zone and supersedes the old certificate', async () => {
    const { connectionString } = await standingConnectionString(testConsole, admin.headers);
    const first = await sensor('rejoin-01');
    const original = await first.enroll(connectionString);
    const again = await sensor('rejoin-01');
    const second = await again.enroll(connectionString);
    assert.equal(second.sensorId, original.sensorId);
    assert.equal(second.reEnrolled, true);
    const oldSerial = new X509Certificate(original.certificatePem).serialNumber.toLowerCase();
    const revoked = await testConsole.garrison.database().db.collection('revokedCertificates').findOne({ _id: oldSerial as never });
    assert.ok(revoked, 'the superseded serial is listed for the CRL');
    await first.link();
    const refused = await first.waitForState('failed');
    assert.equal(refused.refusal?.code, 'unknown-sensor');
  });

  it('the standing string is the same until regenerated, and the old one is then refused', async () => {
    const one = await standingConnectionString(testConsole, admin.headers);
    const two = await standingConnectionString(testConsole, admin.headers);
    assert.equal(one.connectionString, two.connectionString);
    const regenerated = await api<{ connectionString: string }>(testConsole, 'POST', '/connection-strings/standing/regenerate', { body: {}, headers: admin.headers });
    assert.equal(regenerated.status, 200, regenerated.text);
    assert.notEqual(regenerated.body.connectionString, one.connectionString);
    await assert.rejects((await sensor('old-standing')).enroll(one.connectionString), /The console refused the enrolment: The connection string was revoked/);
  });

  it('refuses a used-up, revoked, expired or wrong-secret token, and audits each refusal with its reason', async () => {
    const used = await singleUseConnectionString(testConsole, admin.headers);
    await (await sensor('used-a')).enroll(used.connectionString);
    await assert.rejects((await sensor('used-b')).enroll(used.connectionString), /already used/);

    const revoked = await singleUseConnectionString(testConsole, admin.headers);
    assert.equal((await api(testConsole, 'DELETE', `/connection-strings/${revoked.id}`, { headers: admin.headers })).status, 204);
    await assert.rejects((await sensor('revoked-a')).enroll(revoked.connectionString), /was revoked/);

    const expired = await singleUseConnectionString(testConsole, admin.headers);
    await testConsole.garrison.database().db.collection('connectionStrings').updateOne({ _id: expired.id as never }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    await assert.rejects((await sensor('expired-a')).enroll(expired.connectionString), /has expired/);

    const genuine = parseConnectionString((await singleUseConnectionString(testConsole, admin.headers)).connectionString);
    const wrongSecret = encodeConnectionString({ ...genuine, secret: `${genuine.secret.slice(0, -4)}AAAA` });
    await assert.rejects((await sensor('wrong-a')).enroll(wrongSecret), /secret does not match/);

    const refusals = await auditRecords('sensor.enrollment-refused');
    for (const reason of [/already used/, /was revoked/, /has expired/, /secret does not match/]) {
      assert.ok(refusals.some((record) => reason.test(String(record.reason))), `audited: ${reason}`);
    }
    assert.ok(refusals.every((record) => !JSON.stringify(record).includes(genuine.secret)), 'no secret in the audit trail');
  });

  it('never sends the secret to a console that does not hold the pinned CA', async () => {
    const rogueCa = await generateRsaKeyPair(2048);
    const caSubject = [{ name: 'commonName', value: 'Rogue CA' }];
    const issuer = { subjectAttributes: caSubject, keyIdentifier: keyIdentifier(rogueCa.publicKey), privateKey: rogueCa.privateKey, publicKey: rogueCa.publicKey };
    const ca = await issueCertificate({ subject: caSubject, publicKey: rogueCa.publicKey, usage: 'certificate-authority', lifetimeDays: 10, issuer });
    const serverKey = await generateRsaKeyPair(2048);
    const leaf = await issueCertificate({
      subject: [{ name: 'commonName', value: 'Garrison Console' }],
      publicKey: serverKey.publicKey,
      usage: 'tls-server',
      subjectAltNames: [{ type: 'ip', value: '127.0.0.1' }],
      lifetimeDays: 10,
      issuer,
    });
    let received = 0;
    const rogue = tls.createServer({ key: serverKey.privateKey.export({ type: 'pkcs8', format: 'pem' }), cert: leaf.pem + ca.pem }, (socket) => {
      socket.on('data', (chunk: Buffer) => {
        received += chunk.length;
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => rogue.listen(0, '127.0.0.1', resolve));
    try {
      const port = (rogue.address() as { port: number }).port;
      const genuine = parseConnectionString((await singleUseConnectionString(testConsole, admin.headers)).connectionString);
      const pointedAtRogue = encodeConnectionString({ ...genuine, addresses: [{ host: '127.0.0.1', port }] });
      await assert.rejects((await sensor('victim')).enroll(pointedAtRogue), /is not the one in the connection string: no certificate it presented matches the CA pin\. Nothing was sent/);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(received, 0, 'the rogue console received no application data (no token, no secret)');
    } finally {
      await new Promise((resolve) => rogue.close(resolve));
    }
  });

  it('lets exactly one of 50 parallel enrolments spend a single-use string', async () => {
    const { connectionString, id } = await singleUseConnectionString(testConsole, admin.headers);
    const contenders = await Promise.all(Array.from({ length: 50 }, (_, index) => sensor(`race-${String(index).padStart(2, '0')}`)));
    const outcomes = await Promise.allSettled(contenders.map((contender) => contender.enroll(connectionString)));
    const succeeded = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    assert.equal(succeeded.length, 1);
    for (const outcome of outcomes) if (outcome.status === 'rejected') assert.match(String(outcome.reason), /already used/);
    const token = await testConsole.garrison.database().db.collection('connectionStrings').findOne({ _id: id as never });
    assert.equal(token?.uses, 1);
    assert.equal(token?.usesLeft, 0);
  });

  it('lists strings without secrets, and needs enrollment:manage', async () => {
    const listed = await api<{ connectionStrings: Array<Record<string, unknown>> }>(testConsole, 'GET', '/connection-strings', { headers: admin.headers });
    assert.equal(listed.status, 200);
    assert.ok(listed.body.connectionStrings.length > 3);
    assert.ok(!listed.text.includes('secret') && !listed.text.includes('GRS1.'), 'no secret or string in the list');
    const anonymous = await api(testConsole, 'GET', '/connection-strings/standing');
    assert.equal(anonymous.status, 401);
  });
});
