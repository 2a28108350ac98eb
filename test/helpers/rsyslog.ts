/**
 * A real rsyslog for tests (REAL-SERVICES.md): UDP, plain TCP and TLS (RFC 5425,
 * ossl driver) inputs on free loopback ports, every message written as its raw
 * bytes (`%rawmsg%`) one per line to a file the test reads back.
 *
 * `stop()` / `start()` keep the same ports and file, so a test can take the
 * SIEM down and bring it back.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { open, readFile, writeFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { freeTcpPort, freeUdpPort, waitFor, waitForTcpPort } from './free-ports.js';

export interface RsyslogTls {
  caPem: string;
  certPem: string;
  keyPem: string;
  /** 'anon': any client; 'x509/certvalid': the client must present a certificate from the CA. */
  authMode: 'anon' | 'x509/certvalid';
}

export interface Rsyslog {
  udpPort: number;
  tcpPort: number;
  tlsPort: number;
  outputFile: string;
  /** Every message received so far (raw bytes as rsyslog saw them, one per line). */
  lines(): Promise<string[]>;
  /** How many messages arrived so far, reading only what is new since the last call (for benchmarks). */
  count(): Promise<number>;
  waitForLines(count: number, timeoutMs?: number): Promise<string[]>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRsyslog(directory: string, tls: RsyslogTls): Promise<Rsyslog> {
  await mkdir(path.join(directory, 'work'), { recursive: true });
  const udpPort = await freeUdpPort();
  const tcpPort = await freeTcpPort();
  const tlsPort = await freeTcpPort();
  const outputFile = path.join(directory, 'received.log');
  const caFile = path.join(directory, 'ca.pem');
  const certFile = path.join(directory, 'server.pem');
  const keyFile = path.join(directory, 'server.key');
  await writeFile(caFile, tls.caPem);
  await writeFile(certFile, tls.certPem);
  await writeFile(keyFile, tls.keyPem, { mode: 0o600 });
  const config = path.join(directory, 'rsyslog.conf');
  await writeFile(
    config,
    [
      `global(workDirectory="${path.join(directory, 'work')}" maxMessageSize="64k"`,
      `  DefaultNetstreamDriverCAFile="${caFile}" DefaultNetstreamDriverCertFile="${certFile}" DefaultNetstreamDriverKeyFile="${keyFile}")`,
      'module(load="imudp")',
      'module(load="imtcp" maxSessions="1000")',
      `input(type="imudp" address="127.0.0.1" port="${udpPort}")`,
      `input(type="imtcp" address="127.0.0.1" port="${tcpPort}")`,
      `input(type="imtcp" address="127.0.0.1" port="${tlsPort}" streamDriver.name="ossl" streamDriver.mode="1" streamDriver.authMode="${tls.authMode}")`,
      'template(name="raw" type="string" string="%rawmsg%\\n")',
      `action(type="omfile" file="${outputFile}" template="raw" flushOnTXEnd="on" asyncWriting="off")`,
      '',
    ].join('\n'),
  );
  let child: ChildProcess | null = null;
  const pidFile = path.join(directory, 'rsyslogd.pid');

  async function start(): Promise<void> {
    const output: string[] = [];
    child = spawn('rsyslogd', ['-n', '-f', config, '-i', pidFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    try {
      await waitForTcpPort(tlsPort, 10_000);
      await waitForTcpPort(tcpPort, 10_000);
    } catch (error) {
      throw new Error(`rsyslogd did not start: ${output.join('')}`, { cause: error });
    }
  }

  async function stop(): Promise<void> {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGTERM');
    });
  }

  async function lines(): Promise<string[]> {
    if (!existsSync(outputFile)) return [];
    const text = await readFile(outputFile, 'utf8');
    return text.split('\n').filter((line) => line.length > 0);
  }

  let counted = 0;
  let countedBytes = 0;
  async function count(): Promise<number> {
    if (!existsSync(outputFile)) return counted;
    const file = await open(outputFile, 'r');
    try {
      const buffer = Buffer.alloc(1 << 20);
      for (;;) {
        const { bytesRead } = await file.read(buffer, 0, buffer.length, countedBytes);
        if (bytesRead === 0) break;
        countedBytes += bytesRead;
        for (let index = 0; index < bytesRead; index += 1) if (buffer[index] === 0x0a) counted += 1;
      }
    } finally {
      await file.close();
    }
    return counted;
  }

  await start();
  return {
    udpPort,
    tcpPort,
    tlsPort,
    outputFile,
    lines,
    count,
    async waitForLines(count, timeoutMs = 15_000) {
      let current: string[] = [];
      await waitFor(async () => {
        current = await lines();
        return current.length >= count;
      }, timeoutMs, () => `rsyslog received ${current.length} of ${count} messages`);
      return current;
    },
    start,
    stop,
  };
}
