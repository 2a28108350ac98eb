import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createKeyAndCsr } from '../../../../sensor-link/src/enroll/csr.js';
import { AppError } from '../../platform/errors.js';
import { createLogger } from '../../platform/logger.js';
import { MasterKey } from '../../platform/secrets/master-key.js';
import { SecretBox } from '../../platform/secrets/secret-box.js';
import { loadOrCreateConsoleCa, type ConsoleCa } from './console-ca.js';
import { buildCrl } from './crl.js';
import { signSensorCsr } from './sensor-certificate.js';

let root = '';
let ca: ConsoleCa;
let caFile = '';
const secretBox = new SecretBox(new MasterKey(randomBytes(32), { kind: 'environment' }));

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'garrison-crl-'));
  ca = await loadOrCreateConsoleCa({ dataDir: path.join(root, 'data'), secretBox, logger: createLogger({ level: 'silent' }) });
  caFile = path.join(root, 'ca.pem');
  await writeFile(caFile, ca.certificatePem);
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

function openssl(args: string[]): { status: number | null; output: string } {
  const run = spawnSync('openssl', args, { encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

async function sensorCertificate(sensorId: string): Promise<{ file: string; serialNumber: string }> {
  const { csrPem } = await createKeyAndCsr({ commonName: sensorId });
  const signed = await signSensorCsr({ ca, csrPem, sensorId });
  const file = path.join(root, `${sensorId}.pem`);
  await writeFile(file, signed.certificatePem);
  return { file, serialNumber: signed.serialNumber };
}

describe('buildCrl', () => {
  it('builds a v2 CRL that openssl parses and verifies against the CA, and that revokes what it lists', async () => {
    const revokedSensor = await sensorCertificate('sensor-revoked');
    const goodSensor = await sensorCertificate('sensor-good');
    const revokedAt = new Date('2026-03-01T12:34:56Z');
    const now = new Date();
    const crl = await buildCrl({
      ca,
      revoked: [
        { serialNumber: revokedSensor.serialNumber.toLowerCase(), revokedAt },
        { serialNumber: '0ff', revokedAt: new Date('2026-02-01T00:00:00Z') },
        { serialNumber: revokedSensor.serialNumber, revokedAt: new Date('2026-04-01T00:00:00Z') },
      ],
      crlNumber: 42,
      nextUpdateHours: 24,
      now,
    });
    const derFile = path.join(root, 'crl.der');
    await writeFile(derFile, crl.der);

    const text = openssl(['crl', '-inform', 'DER', '-in', derFile, '-noout', '-text']);
    assert.equal(text.status, 0, text.output);
    assert.match(text.output, /Version 2 \(0x1\)/);
    assert.match(text.output, /Signature Algorithm: sha256WithRSAEncryption/);
    assert.ok(text.output.includes(`Issuer: ${ca.certificate.subject.replace('=', ' = ')}`), text.output);
    assert.match(text.output, /X509v3 CRL Number: \n\s+42/);
    const keyIdentifier = [...ca.keyIdentifier].map((byte) => byte.toString(16).padStart(2, '0').toUpperCase()).join(':');
    assert.ok(text.output.includes(`X509v3 Authority Key Identifier: \n                ${keyIdentifier}`), text.output);
    assert.match(text.output, new RegExp(`Serial Number: ${revokedSensor.serialNumber}\\n\\s+Revocation Date: Mar  1 12:34:56 2026 GMT`));
    assert.match(text.output, /Serial Number: FF\n\s+Revocation Date: Feb  1 00:00:00 2026 GMT/);
    assert.equal(text.output.match(/Serial Number:/g)?.length, 2, 'duplicates are merged');
    assert.equal(crl.nextUpdate.getTime() - crl.thisUpdate.getTime(), 24 * 3600_000);

    const verified = openssl(['crl', '-inform', 'DER', '-in', derFile, '-noout', '-CAfile', caFile, '-verify']);
    assert.equal(verified.status, 0, verified.output);
    assert.match(verified.output, /verify OK/);

    const pemFile = path.join(root, 'crl.pem');
    await writeFile(pemFile, crl.pem);
    const revokedCheck = openssl(['verify', '-crl_check', '-CAfile', caFile, '-CRLfile', pemFile, revokedSensor.file]);
    assert.notEqual(revokedCheck.status, 0);
    assert.match(revokedCheck.output, /certificate revoked/);
    const goodCheck = openssl(['verify', '-crl_check', '-CAfile', caFile, '-CRLfile', pemFile, goodSensor.file]);
    assert.equal(goodCheck.status, 0, goodCheck.output);
  });

  it('builds a valid empty CRL', async () => {
    const crl = await buildCrl({ ca, revoked: [], crlNumber: 0, nextUpdateHours: 1 });
    const pemFile = path.join(root, 'empty.pem');
    await writeFile(pemFile, crl.pem);
    const verified = openssl(['crl', '-in', pemFile, '-noout', '-text', '-CAfile', caFile, '-verify']);
    assert.equal(verified.status, 0, verified.output);
    assert.match(verified.output, /No Revoked Certificates/);
  });

  it('refuses input it cannot encode, naming the field', async () => {
    await assert.rejects(
      buildCrl({ ca, revoked: [{ serialNumber: 'xyz', revokedAt: new Date() }], crlNumber: 1, nextUpdateHours: 1 }),
      (error: unknown) => error instanceof AppError && /revoked\.0\.serialNumber: A serial number is 1-40 hex digits/.test(error.message),
    );
    await assert.rejects(
      buildCrl({ ca, revoked: [], crlNumber: -1, nextUpdateHours: 1 }),
      (error: unknown) => error instanceof AppError && /crlNumber/.test(error.message),
    );
  });
});
