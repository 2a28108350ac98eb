import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { AppError } from '../../platform/errors.js';
import { createLogger, type Logger } from '../../platform/logger.js';
import { MasterKey } from '../../platform/secrets/master-key.js';
import { SecretBox } from '../../platform/secrets/secret-box.js';
import { loadOrCreateConsoleCa } from './console-ca.js';

const execFileAsync = promisify(execFile);
let root = '';
before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'garrison-console-ca-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: createLogger({ level: 'info', destination: { write: (line: string) => lines.push(line) } }), lines };
}

function secretBox(bytes = randomBytes(32)): SecretBox {
  return new SecretBox(new MasterKey(bytes, { kind: 'environment' }));
}

function opensslPin(certificatePem: string): string {
  const publicKeyPem = execFileSync('openssl', ['x509', '-pubkey', '-noout'], { input: certificatePem });
  const spkiDer = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'DER'], { input: publicKeyPem });
  const digest = execFileSync('openssl', ['dgst', '-sha256', '-binary'], { input: spkiDer });
  return digest.toString('base64url');
}

describe('loadOrCreateConsoleCa', () => {
  it('creates the CA at first start with the documented profile, files and modes, and loads the same CA later', async () => {
    const dataDir = path.join(root, 'first');
    const box = secretBox();
    const { logger, lines } = capturingLogger();
    const startedAt = Date.now();
    const created = await loadOrCreateConsoleCa({ dataDir, secretBox: box, logger });

    const certificate = created.certificate;
    assert.equal(certificate.ca, true);
    assert.match(certificate.subject, /^CN=Garrison Console CA [0-9a-f]{8}$/);
    assert.equal(certificate.issuer, certificate.subject);
    assert.equal(certificate.publicKey.asymmetricKeyDetails?.modulusLength, 3072);
    const serial = BigInt(`0x${created.serialNumber}`);
    assert.ok(serial >= 2n ** 120n && serial < 2n ** 128n, 'a 128-bit positive serial');
    const notBefore = Date.parse(certificate.validFrom);
    assert.ok(Math.abs(notBefore - (startedAt - 5 * 60_000)) < 10_000, 'back-dated 5 minutes');
    const years = (Date.parse(certificate.validTo) - notBefore) / (365.25 * 24 * 3600_000);
    assert.ok(years > 9.99 && years < 10.01, `10 years, got ${years}`);
    const text = execFileSync('openssl', ['x509', '-noout', '-text'], { input: created.certificatePem }).toString();
    assert.match(text, /Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    assert.match(text, /Key Usage: critical\s+Certificate Sign, CRL Sign/);
    assert.ok(certificate.verify(certificate.publicKey));

    const pki = path.join(dataDir, 'pki');
    assert.equal((await stat(pki)).mode & 0o777, 0o700);
    assert.equal((await stat(path.join(pki, 'ca.crt'))).mode & 0o777, 0o644);
    assert.equal((await stat(path.join(pki, 'ca.key.sealed'))).mode & 0o777, 0o600);
    assert.equal(await readFile(path.join(pki, 'ca.crt'), 'utf8'), created.certificatePem);
    const sealed = await readFile(path.join(pki, 'ca.key.sealed'), 'utf8');
    assert.match(sealed, /^gse1\./);
    assert.ok(!sealed.includes('PRIVATE KEY'));

    const createdLines = lines.filter((line) => line.includes('Created the console CA'));
    assert.equal(createdLines.length, 1);
    assert.ok(createdLines[0]?.includes(created.publicKeyPin));
    assert.ok(lines.every((line) => !line.includes('PRIVATE KEY') && !line.includes('gse1.')));

    const reloaded = await loadOrCreateConsoleCa({ dataDir, secretBox: box, logger });
    assert.equal(reloaded.certificatePem, created.certificatePem);
    assert.equal(reloaded.publicKeyPin, created.publicKeyPin);
    assert.equal(reloaded.serialNumber, created.serialNumber);
    assert.ok(reloaded.certificate.checkPrivateKey(reloaded.privateKey));
    assert.equal(lines.filter((line) => line.includes('Created the console CA')).length, 1, 'reload creates nothing');
  });

  it('publishes the pin as base64url SHA-256 of the SubjectPublicKeyInfo, as openssl computes it', async () => {
    const ca = await loadOrCreateConsoleCa({ dataDir: path.join(root, 'pin'), secretBox: secretBox(), logger: capturingLogger().logger });
    assert.match(ca.publicKeyPin, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(ca.publicKeyPin, opensslPin(ca.certificatePem));
  });

  it('creates one CA when two starts race in one process', async () => {
    const dataDir = path.join(root, 'race-in-process');
    const box = secretBox();
    const { logger, lines } = capturingLogger();
    const [first, second] = await Promise.all([
      loadOrCreateConsoleCa({ dataDir, secretBox: box, logger }),
      loadOrCreateConsoleCa({ dataDir, secretBox: box, logger }),
    ]);
    assert.equal(first.publicKeyPin, second.publicKeyPin);
    assert.equal(lines.filter((line) => line.includes('Created the console CA')).length, 1);
  });

  it('creates one CA when two processes start at once on one data directory', async () => {
    const dataDir = path.join(root, 'race-processes');
    const moduleUrl = new URL('./console-ca.ts', import.meta.url).href;
    const secretsUrl = new URL('../../platform/secrets/', import.meta.url).href;
    const script = path.join(root, 'start-ca.mts');
    await writeFile(
      script,
      [
        `import { loadOrCreateConsoleCa } from '${moduleUrl}';`,
        `import { loadMasterKey } from '${secretsUrl}master-key.ts';`,
        `import { SecretBox } from '${secretsUrl}secret-box.ts';`,
        `import { createLogger } from '${new URL('../../platform/logger.ts', import.meta.url).href}';`,
        `const masterKey = await loadMasterKey({ keyBase64: process.env.GARRISON_MASTER_KEY, keyFile: '/nonexistent', createIfMissing: false });`,
        `const ca = await loadOrCreateConsoleCa({ dataDir: process.argv[2], secretBox: new SecretBox(masterKey), logger: createLogger({ level: 'info', destination: process.stderr }) });`,
        `process.stdout.write(ca.publicKeyPin);`,
      ].join('\n'),
    );
    const env = { ...process.env, GARRISON_MASTER_KEY: randomBytes(32).toString('base64') };
    const cwd = path.dirname(fileURLToPath(import.meta.url));
    const runs = await Promise.all(
      [1, 2].map(() => execFileAsync(process.execPath, ['--import', 'tsx', script, dataDir], { env, cwd })),
    );
    const pins = runs.map((run) => run.stdout);
    assert.equal(pins[0], pins[1]);
    assert.match(pins[0] ?? '', /^[A-Za-z0-9_-]{43}$/);
    const creations = runs.filter((run) => run.stderr.includes('Created the console CA')).length;
    assert.equal(creations, 1);
  });

  it('refuses to open the CA with another master key, and says so', async () => {
    const dataDir = path.join(root, 'other-key');
    const { logger } = capturingLogger();
    await loadOrCreateConsoleCa({ dataDir, secretBox: secretBox(), logger });
    const other = secretBox();
    await assert.rejects(loadOrCreateConsoleCa({ dataDir, secretBox: other, logger }), (error: unknown) => {
      assert.ok(error instanceof AppError);
      assert.match(error.message, /ca\.key\.sealed cannot be opened: .*sealed with master key .*Start the console with the master key/);
      return true;
    });
  });

  it('never replaces a half-present CA', async () => {
    const dataDir = path.join(root, 'half');
    const box = secretBox();
    const { logger } = capturingLogger();
    await loadOrCreateConsoleCa({ dataDir, secretBox: box, logger });
    const certificateFile = path.join(dataDir, 'pki', 'ca.crt');
    await unlink(certificateFile);
    await assert.rejects(loadOrCreateConsoleCa({ dataDir, secretBox: box, logger }), (error: unknown) => {
      assert.ok(error instanceof AppError);
      assert.match(error.message, /ca\.key\.sealed but not .*ca\.crt.*Restore .*ca\.crt from a backup/);
      return true;
    });
    await assert.rejects(stat(certificateFile), { code: 'ENOENT' });
  });
});
