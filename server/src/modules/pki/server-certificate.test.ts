import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm, stat, unlink, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';
import { AppError } from '../../platform/errors.js';
import { createLogger, type Logger } from '../../platform/logger.js';
import { MasterKey } from '../../platform/secrets/master-key.js';
import { SecretBox } from '../../platform/secrets/secret-box.js';
import { generateRsaKeyPair, issueCertificate, type SubjectAltName } from './certificate-builder.js';
import { loadOrCreateConsoleCa, type ConsoleCa } from './console-ca.js';
import { SERVER_KEY_CONTEXT, loadOrIssueServerCertificate, type ServerCertificate } from './server-certificate.js';

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
let root = '';
let dataDir = '';
let ca: ConsoleCa;
const secretBox = new SecretBox(new MasterKey(randomBytes(32), { kind: 'environment' }));
const lines: string[] = [];
const logger: Logger = createLogger({ level: 'info', destination: { write: (line: string) => lines.push(line) } });

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'garrison-server-certificate-'));
  dataDir = path.join(root, 'data');
  ca = await loadOrCreateConsoleCa({ dataDir, secretBox, logger });
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

function issuedReasons(): string[] {
  return lines
    .map((line) => JSON.parse(line) as { msg: string; reason?: string })
    .filter((entry) => entry.msg === 'Issued the console TLS server certificate')
    .map((entry) => entry.reason ?? '');
}

async function load(hosts: string[], authority: ConsoleCa = ca): Promise<ServerCertificate> {
  return loadOrIssueServerCertificate({ dataDir, ca: authority, hosts, secretBox, logger });
}

interface HandshakeResult {
  authorized: boolean;
  peer: tls.DetailedPeerCertificate;
}

async function handshake(server: ServerCertificate, options: tls.ConnectionOptions): Promise<HandshakeResult> {
  const listener = tls.createServer({ key: server.privateKeyPem, cert: server.chainPem }, (socket) => socket.end());
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const { port } = listener.address() as AddressInfo;
  try {
    const socket = tls.connect({ host: '127.0.0.1', port, ...options });
    await once(socket, 'secureConnect');
    const result = { authorized: socket.authorized, peer: socket.getPeerCertificate(true) };
    socket.destroy();
    return result;
  } finally {
    listener.close();
  }
}

describe('loadOrIssueServerCertificate', () => {
  it('issues an RSA 2048 serverAuth certificate for the public hosts plus loopback, signed by the console CA', async () => {
    const server = await load(['Console.Example', '10.0.0.5', '[fd00::5]']);
    const certificate = new X509Certificate(server.certificatePem);
    assert.equal(
      certificate.subjectAltName,
      'DNS:console.example, IP Address:10.0.0.5, IP Address:FD00:0:0:0:0:0:0:5, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
    );
    assert.deepEqual(certificate.keyUsage, [SERVER_AUTH]);
    assert.equal(certificate.ca, false);
    assert.equal(certificate.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
    assert.ok(certificate.verify(ca.publicKey));
    assert.equal(certificate.issuer, ca.certificate.subject);
    const days = (Date.parse(certificate.validTo) - Date.now()) / 86_400_000;
    assert.ok(days > 396.9 && days < 397.1, `about 397 days, got ${days}`);
    assert.ok(certificate.checkPrivateKey(createPrivateKey(server.privateKeyPem)));
    assert.equal(server.chainPem, `${server.certificatePem.trimEnd()}\n${ca.certificatePem.trimEnd()}\n`);
    assert.equal((await stat(path.join(dataDir, 'pki', 'server.crt'))).mode & 0o777, 0o644);
    assert.equal((await stat(path.join(dataDir, 'pki', 'server.key.sealed'))).mode & 0o777, 0o600);
    assert.deepEqual(issuedReasons(), ['it does not exist yet']);
  });

  it('serves TLS that a client pinning only the console CA accepts for localhost and the IP, and rejects for another name', async () => {
    const server = await load(['Console.Example', '10.0.0.5', '[fd00::5]']);
    const byName = await handshake(server, { ca: ca.certificatePem, servername: 'localhost' });
    assert.equal(byName.authorized, true);
    const presentedIssuer = byName.peer.issuerCertificate;
    assert.equal(presentedIssuer.fingerprint256, ca.certificate.fingerprint256, 'the chain carries the CA for pin checks');
    const byAddress = await handshake(server, { ca: ca.certificatePem });
    assert.equal(byAddress.authorized, true);
    await assert.rejects(handshake(server, { ca: ca.certificatePem, servername: 'evil.example' }), {
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
  });

  it('keeps the certificate while hosts are the same, in any order, case or IPv6 spelling', async () => {
    const first = await load(['Console.Example', '10.0.0.5', '[fd00::5]']);
    const again = await load(['fd00:0:0::5', 'localhost', '10.0.0.5', 'console.example.', '::1']);
    assert.equal(again.certificatePem, first.certificatePem);
    assert.equal(issuedReasons().length, 1);
  });

  it('re-issues when the host list changes', async () => {
    const before = await load(['console.example', '10.0.0.5', 'fd00::5']);
    const after = await load(['console.example', '10.0.0.6']);
    assert.notEqual(after.certificatePem, before.certificatePem);
    assert.match(after.certificate.subjectAltName ?? '', /IP Address:10\.0\.0\.6/);
    assert.doesNotMatch(after.certificate.subjectAltName ?? '', /10\.0\.0\.5/);
    assert.equal(issuedReasons().at(-1), 'the public host list changed');
  });

  it('re-issues when another CA signed it', async () => {
    const otherCa = await loadOrCreateConsoleCa({ dataDir: path.join(root, 'other'), secretBox, logger });
    const server = await load(['console.example', '10.0.0.6'], otherCa);
    assert.ok(server.certificate.verify(otherCa.publicKey));
    assert.equal(issuedReasons().at(-1), 'it was issued by another CA');
    const back = await load(['console.example', '10.0.0.6']);
    assert.ok(back.certificate.verify(ca.publicKey));
  });

  it('re-issues when fewer than 30 days are left', async () => {
    const { publicKey, privateKey } = await generateRsaKeyPair(2048);
    const expiring = await issueCertificate({
      subject: [{ name: 'commonName', value: 'Garrison Console' }],
      publicKey,
      usage: 'tls-server',
      subjectAltNames: [
        ...['console.example', 'localhost'].map((value): SubjectAltName => ({ type: 'dns', value })),
        ...['10.0.0.6', '127.0.0.1', '::1'].map((value): SubjectAltName => ({ type: 'ip', value })),
      ],
      lifetimeDays: 29,
      issuer: ca,
    });
    const pki = path.join(dataDir, 'pki');
    await writeFile(path.join(pki, 'server.crt'), expiring.pem);
    const sealedKey = secretBox.seal(privateKey.export({ type: 'pkcs8', format: 'pem' }), SERVER_KEY_CONTEXT);
    await writeFile(path.join(pki, 'server.key.sealed'), sealedKey);
    const renewed = await load(['console.example', '10.0.0.6']);
    assert.notEqual(renewed.certificatePem, expiring.pem);
    assert.equal(issuedReasons().at(-1), 'it expires within 30 days');
  });

  it('re-issues when the key file is missing', async () => {
    await unlink(path.join(dataDir, 'pki', 'server.key.sealed'));
    const server = await load(['console.example', '10.0.0.6']);
    assert.ok(server.certificate.checkPrivateKey(createPrivateKey(server.privateKeyPem)));
    assert.equal(issuedReasons().at(-1), 'it does not exist yet');
  });

  it('refuses hosts that are neither IP addresses nor DNS names, naming the entry', async () => {
    await assert.rejects(load(['console.example', 'not a host', 'http://x']), (error: unknown) => {
      assert.ok(error instanceof AppError);
      assert.equal(error.code, 'validation_failed');
      assert.match(error.message, /hosts\.1, hosts\.2/);
      assert.deepEqual((error.details as Array<{ path: string }>).map((problem) => problem.path), ['hosts.1', 'hosts.2']);
      return true;
    });
  });
});
