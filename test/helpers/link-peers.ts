/**
 * Hand-made link peers for refusal tests: raw socket.io clients with any
 * certificate (or none), certificates from the console CA with chosen
 * validity, a stand-in console that says what a test needs it to, and a TCP
 * relay that can go silent to imitate a dead network.
 */
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { Server, type Namespace } from 'socket.io';
import { io, type Socket } from 'socket.io-client';
import { generateRsaKeyPair, issueCertificate, keyIdentifier } from '../../server/src/modules/pki/certificate-builder.js';
import { loadOrCreateConsoleCa, type ConsoleCa } from '../../server/src/modules/pki/console-ca.js';
import { SENSOR_ORGANIZATION, SENSOR_URI_PREFIX } from '../../server/src/modules/pki/sensor-certificate.js';
import { createLogger } from '../../server/src/platform/logger.js';
import { loadMasterKey } from '../../server/src/platform/secrets/master-key.js';
import { SecretBox } from '../../server/src/platform/secrets/secret-box.js';
import type { TestConsole } from './test-console.js';

export interface ClientIdentity {
  certificatePem: string;
  privateKeyPem: string;
}

/** The running console's CA with its private key (read from the test console's data directory). */
export async function consoleCaOf(testConsole: TestConsole): Promise<ConsoleCa> {
  const keyFile = path.join(testConsole.dataDir, '..', `${path.basename(testConsole.dataDir)}.master.key`);
  const masterKey = await loadMasterKey({ keyFile, createIfMissing: false });
  return loadOrCreateConsoleCa({ dataDir: testConsole.dataDir, secretBox: new SecretBox(masterKey), logger: createLogger({ level: 'silent' }) });
}

/** A sensor-shaped client certificate for `sensorId`, from `ca` or from a fresh throwaway CA. */
export async function sensorIdentity(options: { sensorId: string; ca?: ConsoleCa; issuedAt?: Date; lifetimeDays?: number }): Promise<ClientIdentity> {
  let issuer;
  if (options.ca) {
    issuer = options.ca;
  } else {
    const keys = await generateRsaKeyPair(2048);
    issuer = { subjectAttributes: [{ name: 'commonName', value: 'Another CA' }], keyIdentifier: keyIdentifier(keys.publicKey), ...keys };
  }
  const keys = await generateRsaKeyPair(2048);
  const { pem } = await issueCertificate({
    subject: [
      { name: 'commonName', value: options.sensorId },
      { name: 'organizationName', value: SENSOR_ORGANIZATION },
    ],
    publicKey: keys.publicKey,
    usage: 'tls-client',
    subjectAltNames: [{ type: 'uri', value: `${SENSOR_URI_PREFIX}${options.sensorId}` }],
    lifetimeDays: options.lifetimeDays ?? 30,
    issuer,
    ...(options.issuedAt ? { now: options.issuedAt } : {}),
  });
  return { certificatePem: pem, privateKeyPem: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

export interface RawOutcome {
  connected: boolean;
  error: (Error & { data?: { code?: string; message?: string } }) | null;
  socket: Socket;
}

/** Connects a raw socket.io client to /link and reports whether the console let it in. */
export function rawLinkClient(testConsole: TestConsole, identity: ClientIdentity | null, auth: unknown = { protocolVersion: 1, versions: { sensorLink: '0.1.0', core: '1', protocol: 1 } }): Promise<RawOutcome> {
  const socket = io(`https://127.0.0.1:${testConsole.linkPort}/link`, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    timeout: 10_000,
    ca: testConsole.caPem,
    ...(identity ? { cert: identity.certificatePem, key: identity.privateKeyPem } : {}),
    auth: auth as Record<string, unknown>,
  });
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ connected: true, error: null, socket }));
    socket.once('connect_error', (error: Error & { data?: { code?: string; message?: string } }) => {
      socket.close();
      resolve({ connected: false, error, socket });
    });
  });
}

/** A TCP relay to the link port; `freeze()` stops forwarding without closing, like a cable pulled mid-link. */
export async function freezableRelay(targetPort: number): Promise<{ port: number; freeze(): void; close(): Promise<void> }> {
  const pairs = new Set<[net.Socket, net.Socket]>();
  let frozen = false;
  const server = net.createServer((inbound) => {
    const outbound = net.connect(targetPort, '127.0.0.1');
    const pair: [net.Socket, net.Socket] = [inbound, outbound];
    pairs.add(pair);
    inbound.on('data', (chunk) => !frozen && outbound.write(chunk));
    outbound.on('data', (chunk) => !frozen && inbound.write(chunk));
    const end = () => {
      pairs.delete(pair);
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('close', end).on('error', end);
    outbound.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    freeze() {
      frozen = true;
    },
    async close() {
      for (const [inbound, outbound] of pairs) {
        inbound.destroy();
        outbound.destroy();
      }
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export interface StandInConsole {
  /** The stand-in's `/link` namespace: add middleware and handlers to say what the test needs said. */
  link: Namespace;
  /** `127.0.0.1:port`, to put in a sensor's stored console addresses. */
  address: string;
  close(): Promise<void>;
}

/**
 * A bare socket.io server on a free loopback port with a server certificate from the test console's CA and
 * mutual TLS, so an enrolled sensor's real LinkClient links to it as to its console: for what the real console
 * only says under conditions a test cannot easily make (garbage pushes, refusals during a storm).
 */
export async function standInConsole(testConsole: TestConsole): Promise<StandInConsole> {
  const ca = await consoleCaOf(testConsole);
  const keys = await generateRsaKeyPair(2048);
  const { pem } = await issueCertificate({
    subject: [{ name: 'commonName', value: 'stand-in console' }],
    publicKey: keys.publicKey,
    usage: 'tls-server',
    subjectAltNames: [{ type: 'ip', value: '127.0.0.1' }],
    lifetimeDays: 1,
    issuer: ca,
  });
  const server = https.createServer({ key: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), cert: pem, ca: ca.certificatePem, requestCert: true, rejectUnauthorized: true });
  const sockets = new Server(server, { transports: ['websocket'] });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    link: sockets.of('/link'),
    address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: () => sockets.close(),
  };
}
