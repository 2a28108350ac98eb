import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate, createPrivateKey, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';
import { createKeyAndCsr } from '../../../../sensor-link/src/enroll/csr.js';
import { AppError } from '../../platform/errors.js';
import { createLogger } from '../../platform/logger.js';
import { MasterKey } from '../../platform/secrets/master-key.js';
import { SecretBox } from '../../platform/secrets/secret-box.js';
import { loadOrCreateConsoleCa, type ConsoleCa } from './console-ca.js';
import { loadOrIssueServerCertificate } from './server-certificate.js';
import { sensorIdFromCertificate, signSensorCsr } from './sensor-certificate.js';

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
let root = '';
let ca: ConsoleCa;
let caFile = '';
const secretBox = new SecretBox(new MasterKey(randomBytes(32), { kind: 'environment' }));
const logger = createLogger({ level: 'silent' });

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'garrison-sensor-certificate-'));
  ca = await loadOrCreateConsoleCa({ dataDir: path.join(root, 'data'), secretBox, logger });
  caFile = path.join(root, 'ca.pem');
  await writeFile(caFile, ca.certificatePem);
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A CSR made by openssl, with a subject and extensions the console must ignore. */
async function opensslCsr(name: string, keyAlgorithm: string[]): Promise<{ csrPem: string; keyFile: string }> {
  const keyFile = path.join(root, `${name}.key`);
  const csrFile = path.join(root, `${name}.csr`);
  execFileSync('openssl', [
    'req', '-new', '-nodes', ...keyAlgorithm, '-keyout', keyFile, '-out', csrFile,
    '-subj', '/CN=admin.example/O=Someone Else',
    '-addext', 'subjectAltName=DNS:admin.example,URI:urn:garrison:sensor:someone-else',
    '-addext', 'basicConstraints=critical,CA:TRUE',
  ], { stdio: 'pipe' });
  return { csrPem: await readFile(csrFile, 'utf8'), keyFile };
}

async function rejectsCsr(csrPem: string, pattern: RegExp): Promise<void> {
  await assert.rejects(signSensorCsr({ ca, csrPem, sensorId: 'sensor-1' }), (error: unknown) => {
    assert.ok(error instanceof AppError, `expected an AppError, got ${String(error)}`);
    assert.equal(error.code, 'validation_failed');
    assert.equal(error.status, 400);
    assert.match(error.message, pattern);
    return true;
  });
}

function opensslVerify(purpose: string, certificateFile: string): { ok: boolean; output: string } {
  const run = spawnSync('openssl', ['verify', '-purpose', purpose, '-CAfile', caFile, certificateFile], { encoding: 'utf8' });
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
}

describe('signSensorCsr', () => {
  it('signs a sensor-link CSR as a client certificate bound to the sensor id', async () => {
    const { csrPem, privateKeyPem } = await createKeyAndCsr({ commonName: 'whatever-the-sensor-says' });
    const startedAt = Date.now();
    const signed = await signSensorCsr({ ca, csrPem, sensorId: 'sensor-42' });
    const certificate = new X509Certificate(signed.certificatePem);

    assert.equal(certificate.subject, 'CN=sensor-42\nO=Garrison Sensors');
    assert.equal(certificate.subjectAltName, 'URI:urn:garrison:sensor:sensor-42');
    assert.deepEqual(certificate.keyUsage, [CLIENT_AUTH]);
    assert.equal(certificate.ca, false);
    assert.ok(certificate.checkPrivateKey(createPrivateKey(privateKeyPem)), 'certifies the CSR key');
    assert.ok(certificate.verify(ca.publicKey));
    assert.equal(signed.serialNumber, certificate.serialNumber);
    assert.equal(signed.fingerprint256, certificate.fingerprint256);
    assert.ok(Math.abs(signed.notBefore.getTime() - (startedAt - 5 * 60_000)) < 5_000, 'back-dated 5 minutes');
    assert.ok(Math.abs(signed.notAfter.getTime() - (startedAt + 90 * 86_400_000)) < 5_000, '90 days');

    const certificateFile = path.join(root, 'sensor-42.pem');
    await writeFile(certificateFile, signed.certificatePem);
    const asClient = opensslVerify('sslclient', certificateFile);
    assert.ok(asClient.ok, asClient.output);
    assert.equal(opensslVerify('sslserver', certificateFile).ok, false, 'clientAuth only');
    assert.equal(sensorIdFromCertificate(certificate), 'sensor-42');
  });

  it('ignores the subject and extensions an openssl CSR asks for', async () => {
    const { csrPem, keyFile } = await opensslCsr('openssl-2048', ['-newkey', 'rsa:2048']);
    const signed = await signSensorCsr({ ca, csrPem, sensorId: 'sensor-7', validityDays: 30 });
    const certificate = new X509Certificate(signed.certificatePem);
    assert.equal(certificate.subject, 'CN=sensor-7\nO=Garrison Sensors');
    assert.equal(certificate.subjectAltName, 'URI:urn:garrison:sensor:sensor-7');
    assert.equal(certificate.ca, false);
    assert.ok(certificate.checkPrivateKey(createPrivateKey(await readFile(keyFile))));
    const days = (signed.notAfter.getTime() - signed.notBefore.getTime()) / 86_400_000;
    assert.ok(Math.abs(days - (30 + 5 / 1440)) < 0.001);
  });

  it('refuses an RSA key under 2048 bits and a non-RSA key', async () => {
    await rejectsCsr((await opensslCsr('rsa-1024', ['-newkey', 'rsa:1024'])).csrPem, /1024-bit RSA key; Garrison needs at least 2048 bits/);
    await rejectsCsr(
      (await opensslCsr('ec', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'])).csrPem,
      /request's key is EC; Garrison sensor certificates need an RSA key of 2048 bits or more/,
    );
  });

  it('refuses garbage, truncated and altered CSRs with a clear error', async () => {
    const { csrPem } = await createKeyAndCsr({ commonName: 'sensor' });
    await rejectsCsr('hello', /not PEM/);
    await rejectsCsr('', /not PEM/);
    await rejectsCsr(`-----BEGIN CERTIFICATE REQUEST-----\n${randomBytes(200).toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`, /not a well-formed PKCS#10 request/);
    await rejectsCsr(ca.certificatePem, /not PEM/);
    await rejectsCsr(ca.certificatePem.replace(/CERTIFICATE/g, 'CERTIFICATE REQUEST'), /not a well-formed PKCS#10 request/);
    const body = csrPem.split('\n').filter((line) => !line.startsWith('-----')).join('');
    const der = Buffer.from(body, 'base64');
    await rejectsCsr(`-----BEGIN CERTIFICATE REQUEST-----\n${der.subarray(0, der.length - 40).toString('base64')}\n-----END CERTIFICATE REQUEST-----`, /not a well-formed/);
    const altered = Buffer.from(der);
    const commonNameAt = altered.indexOf(Buffer.from('sensor'));
    altered[commonNameAt] = 'S'.charCodeAt(0);
    await rejectsCsr(`-----BEGIN CERTIFICATE REQUEST-----\n${altered.toString('base64')}\n-----END CERTIFICATE REQUEST-----`, /signature does not match its public key/);
    await rejectsCsr('x'.repeat(20_000), /larger than 16 KiB/);
  });

  it('refuses sensor ids that cannot be bound unambiguously', async () => {
    const { csrPem } = await createKeyAndCsr({ commonName: 'sensor' });
    for (const sensorId of ['', 'has space', 'comma,inside', 'a'.repeat(65)]) {
      await assert.rejects(signSensorCsr({ ca, csrPem, sensorId }), (error: unknown) => {
        assert.ok(error instanceof AppError);
        assert.match(error.message, /sensorId: A sensor id is 1-64 letters/);
        return true;
      });
    }
  });

  it('reads the sensor id back from the peer certificate of a real mutual-TLS connection', async () => {
    const { csrPem, privateKeyPem } = await createKeyAndCsr({ commonName: 'sensor' });
    const signed = await signSensorCsr({ ca, csrPem, sensorId: '65f1c0ffee0123456789abcd' });
    const server = await loadOrIssueServerCertificate({ dataDir: path.join(root, 'data'), ca, hosts: [], secretBox, logger });
    const listener = tls.createServer({
      key: server.privateKeyPem,
      cert: server.chainPem,
      ca: ca.certificatePem,
      requestCert: true,
      rejectUnauthorized: true,
    });
    const seen = once(listener, 'secureConnection');
    listener.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    const { port } = listener.address() as AddressInfo;
    const client = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: ca.certificatePem, cert: signed.certificatePem, key: privateKeyPem });
    try {
      const [socket] = (await seen) as [tls.TLSSocket];
      assert.equal(socket.authorized, true);
      assert.equal(sensorIdFromCertificate(socket.getPeerCertificate()), '65f1c0ffee0123456789abcd');
      socket.destroy();
    } finally {
      client.destroy();
      listener.close();
    }
    assert.equal(sensorIdFromCertificate(ca.certificate), null);
    assert.equal(sensorIdFromCertificate(server.certificate), null);
  });
});
