/**
 * Process plumbing for the embedded FerretDB server: where its output goes, how a
 * free loopback port is picked, and how readiness is detected. Kept apart from the
 * lifecycle class so that one reads as a state machine.
 */
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MongoClient } from 'mongodb';
import { z } from 'zod';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';

/** The absolute path of an executable found on PATH, or null. */
export async function findExecutableOnPath(name: string, searchPath = process.env.PATH ?? ''): Promise<string | null> {
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      await fs.access(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return null;
}

const ferretDbLogLineSchema = z.looseObject({ level: z.string(), msg: z.string() });

/**
 * Sends one line of FerretDB output (JSON, from `--log-format=json`) to our logger.
 * FerretDB v1 logs every failed command at WARN (a duplicate key, the driver's
 * unsupported `endSessions`, a client closing its socket), so its WARN is request
 * noise and goes to debug; its ERROR and worse go to error. A line that is not JSON
 * (a Go panic or runtime trace) goes to warn: it explains a crash.
 */
export function forwardFerretDbLine(logger: Logger, line: string): void {
  if (line.trim() === '') return;
  let parsed: z.infer<typeof ferretDbLogLineSchema> | null = null;
  try {
    const result = ferretDbLogLineSchema.safeParse(JSON.parse(line));
    if (result.success) parsed = result.data;
  } catch {
    parsed = null;
  }
  if (parsed === null) {
    logger.warn({ ferretdb: { line } }, 'FerretDB output');
    return;
  }
  const { level, msg, time: _time, source: _source, ...attributes } = parsed;
  const fields = { ferretdb: { level, ...attributes } };
  if (/^(ERROR|DPANIC|PANIC|FATAL)/i.test(level)) logger.error(fields, `FerretDB: ${msg}`);
  else logger.debug(fields, `FerretDB: ${msg}`);
}

/** A port that was free a moment ago; the caller retries if someone takes it first. */
export async function findFreePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new AppError('internal', 'Could not find a free loopback port.');
  return address.port;
}

/**
 * Resolves once a MongoDB `ping` on the port succeeds; rejects at the deadline or as
 * soon as `exitReason()` reports that the server process has ended.
 *
 * It polls the TCP port (cheap, every 25 ms) and pings only once it accepts. A single
 * long-lived driver client is not used for polling: after a refused connection it
 * waits a heartbeat interval (500 ms) before trying again, which would slow every start.
 */
export async function waitForPing(port: number, deadline: number, exitReason: () => string | null): Promise<void> {
  let lastError = 'the port never accepted a connection';
  while (Date.now() < deadline) {
    const exited = exitReason();
    if (exited !== null) throw new Error(exited);
    if (await acceptsConnections(port)) {
      const client = new MongoClient(`mongodb://127.0.0.1:${port}/?directConnection=true`, {
        serverSelectionTimeoutMS: Math.max(250, Math.min(2_000, deadline - Date.now())),
        connectTimeoutMS: 2_000,
      });
      try {
        await client.db('admin').command({ ping: 1 });
        return;
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
      } finally {
        await client.close().catch(() => undefined);
      }
    }
    await sleep(25);
  }
  throw new Error(`no answer to ping before the start timeout (${lastError})`);
}

function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
