/**
 * The embedded database: a FerretDB server (SQLite backend) run as a child process
 * on a loopback port, with its files under `<dataDir>/db`.
 *
 * Contract:
 * - `start()` resolves once the server answers a MongoDB `ping`; then `uri` is usable.
 * - If the child exits on its own, `down` is emitted at once, and the child is
 *   restarted on the same port (so open drivers reconnect by themselves) with
 *   exponential backoff; `up` is emitted when it answers again. When it keeps dying
 *   (more than `maxRestarts` within `windowMs`) `fatal` is emitted and nothing more
 *   is tried: the owner must listen for `fatal` and shut the console down, which
 *   never runs without a database.
 * - `stop()` asks the child to finish (SIGTERM), kills it after `stopTimeoutMs`,
 *   and is idempotent.
 * - No orphan: on Linux the child is started through `setpriv --pdeathsig`, so the
 *   kernel sends it SIGTERM when this process dies, even by SIGKILL; elsewhere (or
 *   without setpriv) a `process.on('exit')` hook ends it on every orderly exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { findExecutableOnPath, findFreePort, forwardFerretDbLine, waitForPing } from './ferretdb-process.js';

export interface RestartPolicy {
  /** Restarts allowed within `windowMs`; one more unexpected exit is fatal. */
  maxRestarts: number;
  windowMs: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export interface EmbeddedFerretDbOptions {
  binaryPath: string;
  /** Garrison's data directory; the database lives in `<dataDir>/db` (mode 0700). */
  dataDir: string;
  logger: Logger;
  /** How long a start (or restart) may take to answer a ping. */
  startTimeoutMs?: number;
  /** How long `stop()` waits after SIGTERM before SIGKILL. */
  stopTimeoutMs?: number;
  restart?: Partial<RestartPolicy>;
}

export interface FerretDbUpEvent {
  uri: string;
  port: number;
  pid: number;
  /** Milliseconds from spawning the process to its first successful ping. */
  startMs: number;
  /** False for the first start, true after a crash. */
  restarted: boolean;
}

export interface FerretDbDownEvent {
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** A sentence for people: how it ended and the last lines it wrote. */
  reason: string;
}

export interface FerretDbFatalEvent {
  error: AppError;
}

export interface EmbeddedFerretDbEvents {
  up: [FerretDbUpEvent];
  down: [FerretDbDownEvent];
  fatal: [FerretDbFatalEvent];
}

export type EmbeddedFerretDbState = 'idle' | 'starting' | 'running' | 'restarting' | 'stopping' | 'stopped' | 'failed';

interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

interface RunningChild {
  process: ChildProcess;
  pid: number;
  exited: Promise<ExitInfo>;
  exit: ExitInfo | null;
  /** Last lines FerretDB wrote, to explain an exit. */
  recentLines: string[];
}

const DEFAULT_RESTART_POLICY: RestartPolicy = { maxRestarts: 5, windowMs: 60_000, initialDelayMs: 250, maxDelayMs: 8_000 };
const RECENT_LINES = 20;
const PORT_ATTEMPTS = 3;

export class EmbeddedFerretDb extends EventEmitter<EmbeddedFerretDbEvents> {
  readonly #binaryPath: string;
  readonly #dbDir: string;
  readonly #logger: Logger;
  readonly #startTimeoutMs: number;
  readonly #stopTimeoutMs: number;
  readonly #policy: RestartPolicy;
  readonly #setprivPath: Promise<string | null>;

  #state: EmbeddedFerretDbState = 'idle';
  #port: number | null = null;
  #child: RunningChild | null = null;
  #restartTimes: number[] = [];
  #restartTimer: NodeJS.Timeout | null = null;
  #startPromise: Promise<void> | null = null;
  #stopPromise: Promise<void> | null = null;
  readonly #endChildOnExit = (): void => {
    const child = this.#child;
    if (child && child.exit === null) child.process.kill('SIGTERM');
  };

  constructor(options: EmbeddedFerretDbOptions) {
    super();
    this.#binaryPath = options.binaryPath;
    this.#dbDir = path.join(path.resolve(options.dataDir), 'db');
    this.#logger = options.logger.child({ component: 'embedded-database' });
    this.#startTimeoutMs = options.startTimeoutMs ?? 30_000;
    this.#stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
    this.#policy = { ...DEFAULT_RESTART_POLICY, ...options.restart };
    this.#setprivPath = process.platform === 'linux' ? findExecutableOnPath('setpriv') : Promise.resolve(null);
    if (/[?#%]/.test(this.#dbDir)) {
      throw new AppError('validation_failed', 'The data directory path must not contain "?", "#" or "%": the embedded database cannot open such a path.', [
        { path: 'dataDir', message: `Unsupported characters in ${this.#dbDir}` },
      ]);
    }
  }

  get state(): EmbeddedFerretDbState {
    return this.#state;
  }

  /** The loopback port; fixed for the life of one `start()`, restarts included. */
  get port(): number | null {
    return this.#port;
  }

  get pid(): number | null {
    return this.#child?.pid ?? null;
  }

  /** Connection string of the running server (no database name in it). */
  get uri(): string {
    if (this.#port === null) throw new AppError('internal', 'The embedded database has not been started.');
    return `mongodb://127.0.0.1:${this.#port}/?directConnection=true`;
  }

  /** Starts the server and resolves once it answers a ping. Calling it while starting or running is a no-op. */
  start(): Promise<void> {
    if (this.#state === 'running') return Promise.resolve();
    if (this.#startPromise) return this.#startPromise;
    if (this.#state === 'stopping' || this.#state === 'restarting') {
      return Promise.reject(new AppError('internal', `The embedded database cannot start while ${this.#state}.`));
    }
    this.#startPromise = this.#startFresh().finally(() => {
      this.#startPromise = null;
    });
    return this.#startPromise;
  }

  /** Stops the server (SIGTERM, then SIGKILL after the timeout). Safe to call at any time, any number of times. */
  stop(): Promise<void> {
    if (this.#stopPromise) return this.#stopPromise;
    if (this.#state === 'idle' || this.#state === 'stopped') return Promise.resolve();
    this.#stopPromise = this.#stopNow().finally(() => {
      this.#stopPromise = null;
    });
    return this.#stopPromise;
  }

  async #startFresh(): Promise<void> {
    this.#state = 'starting';
    this.#restartTimes = [];
    process.on('exit', this.#endChildOnExit);
    let up: FerretDbUpEvent;
    try {
      await fs.mkdir(path.join(this.#dbDir, 'state'), { recursive: true, mode: 0o700 });
      await fs.chmod(this.#dbDir, 0o700);
      up = await this.#launchOnFreePort();
      if (this.#state !== 'starting') throw new AppError('dependency_unavailable', 'The embedded database was stopped while it was starting.');
    } catch (error) {
      // stop() may have come before the child existed: end whatever this start spawned.
      if (this.#child) await this.#terminate(this.#child);
      if (this.#state === 'starting') {
        this.#state = 'stopped';
        process.off('exit', this.#endChildOnExit);
      }
      throw error;
    }
    this.#state = 'running';
    this.emit('up', up);
  }

  async #launchOnFreePort(): Promise<FerretDbUpEvent> {
    for (let attempt = 1; ; attempt += 1) {
      this.#port = await findFreePort();
      try {
        return await this.#launch(false);
      } catch (error) {
        // Another program may take the port between probing and binding it; try another one.
        const portTaken = error instanceof AppError && /address already in use/i.test(error.message);
        if (!portTaken || attempt >= PORT_ATTEMPTS || this.#state !== 'starting') throw error;
      }
    }
  }

  /**
   * Spawns FerretDB on `#port` and waits for a ping. Returns the `up` event for the
   * caller to emit once its state is set; on failure the child is gone and an AppError says why.
   */
  async #launch(restarted: boolean): Promise<FerretDbUpEvent> {
    const port = this.#port;
    if (port === null) throw new AppError('internal', 'No port chosen for the embedded database.');
    const child = await this.#spawn(port);
    const spawnedAt = Date.now();
    try {
      await waitForPing(port, spawnedAt + this.#startTimeoutMs, () => (child.exit ? describeExit(child.exit, child.recentLines) : null));
    } catch (error) {
      await this.#terminate(child);
      const why = error instanceof Error ? error.message : String(error);
      throw new AppError('dependency_unavailable', `The embedded database (FerretDB) did not start: ${why}`, { recentLines: child.recentLines }, { cause: error });
    }
    const event: FerretDbUpEvent = { uri: this.uri, port, pid: child.pid, startMs: Date.now() - spawnedAt, restarted };
    this.#logger.info(event, restarted ? 'embedded database is back up' : 'embedded database is up');
    return event;
  }

  async #spawn(port: number): Promise<RunningChild> {
    // WAL (FerretDB's default) with synchronous=normal, SQLite's recommended pairing: a killed
    // console loses nothing (committed pages are in the WAL, in the OS cache); only a power cut
    // can roll back the last transactions, never corrupt the file. With FerretDB's default
    // (full: an fsync per commit) the outbox could persist ~1,500 deliveries/s here, with normal ~2,400/s.
    const args = [
      '--handler=sqlite',
      `--sqlite-url=file:${this.#dbDir}/?_pragma=synchronous(normal)`,
      `--listen-addr=127.0.0.1:${port}`,
      `--state-dir=${path.join(this.#dbDir, 'state')}`,
      '--debug-addr=-',
      '--telemetry=disable',
      '--log-level=warn',
      '--log-format=json',
    ];
    const setpriv = await this.#setprivPath;
    const [file, fileArgs] = setpriv
      ? [setpriv, ['--pdeathsig', 'SIGTERM', '--', this.#binaryPath, ...args]]
      : [this.#binaryPath, args];
    const processHandle = spawn(file, fileArgs, { stdio: ['ignore', 'pipe', 'pipe'] });

    const recentLines: string[] = [];
    let resolveExit: (info: ExitInfo) => void = () => undefined;
    const exited = new Promise<ExitInfo>((resolve) => {
      resolveExit = resolve;
    });
    const child: RunningChild = { process: processHandle, pid: processHandle.pid ?? -1, exited, exit: null, recentLines };
    const onEnd = (info: ExitInfo): void => {
      if (child.exit !== null) return;
      child.exit = info;
      resolveExit(info);
      this.#onChildExit(child, info);
    };
    processHandle.on('error', (error) => onEnd({ code: null, signal: null, error }));
    processHandle.on('exit', (code, signal) => onEnd({ code, signal }));
    for (const stream of [processHandle.stdout, processHandle.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        recentLines.push(line.length > 500 ? `${line.slice(0, 500)}…` : line);
        if (recentLines.length > RECENT_LINES) recentLines.shift();
        forwardFerretDbLine(this.#logger, line);
      });
    }
    this.#child = child;
    return child;
  }

  #onChildExit(child: RunningChild, info: ExitInfo): void {
    if (this.#child === child) this.#child = null;
    // Exits while starting, stopping or restarting are handled by whoever is waiting on them.
    if (this.#state !== 'running') return;
    const event: FerretDbDownEvent = { pid: child.pid, code: info.code, signal: info.signal, reason: describeExit(info, child.recentLines) };
    this.#logger.warn(event, 'embedded database stopped unexpectedly; restarting it');
    try {
      this.emit('down', event);
    } finally {
      this.#scheduleRestart(event.reason);
    }
  }

  /** `lastProblem` explains the latest failure, for the fatal message if this is one too many. */
  #scheduleRestart(lastProblem: string): void {
    const now = Date.now();
    this.#restartTimes = this.#restartTimes.filter((time) => now - time < this.#policy.windowMs);
    if (this.#restartTimes.length >= this.#policy.maxRestarts) {
      this.#fail(
        `The embedded database (FerretDB) stopped ${this.#restartTimes.length + 1} times within ${Math.round(this.#policy.windowMs / 1000)} s and is not restarted again. ` +
          `Last problem: ${lastProblem}. Check the FerretDB lines in the log and the disk holding ${this.#dbDir}, or set MONGODB_URI to use an external MongoDB.`,
      );
      return;
    }
    this.#restartTimes.push(now);
    const delay = Math.min(this.#policy.maxDelayMs, this.#policy.initialDelayMs * 2 ** (this.#restartTimes.length - 1));
    this.#state = 'restarting';
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = null;
      void this.#restart();
    }, delay);
  }

  async #restart(): Promise<void> {
    if (this.#state !== 'restarting') return;
    try {
      const up = await this.#launch(true);
      if (this.#state !== 'restarting') return;
      this.#state = 'running';
      this.emit('up', up);
    } catch (error) {
      if (this.#state !== 'restarting') return;
      this.#logger.warn({ err: error }, 'restarting the embedded database failed');
      this.#scheduleRestart(error instanceof Error ? error.message : String(error));
    }
  }

  #fail(message: string): void {
    this.#state = 'failed';
    process.off('exit', this.#endChildOnExit);
    const error = new AppError('dependency_unavailable', message, { dbDir: this.#dbDir });
    this.#logger.error({ code: error.code }, message);
    this.emit('fatal', { error });
  }

  async #stopNow(): Promise<void> {
    this.#state = 'stopping';
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    this.#restartTimer = null;
    const child = this.#child;
    if (child) await this.#terminate(child);
    // A start in progress fails once its child is gone; let it finish unwinding.
    await this.#startPromise?.catch(() => undefined);
    process.off('exit', this.#endChildOnExit);
    this.#state = 'stopped';
    this.#logger.info('embedded database stopped');
  }

  async #terminate(child: RunningChild): Promise<void> {
    if (child.exit !== null) return;
    child.process.kill('SIGTERM');
    // The timer is cancelled once the child exits, so it never holds the event loop open.
    const cancel = new AbortController();
    const timer = sleep(this.#stopTimeoutMs, 'timeout' as const, { signal: cancel.signal }).catch(() => 'cancelled' as const);
    const first = await Promise.race([child.exited, timer]);
    cancel.abort();
    if (first === 'timeout') {
      this.#logger.warn({ pid: child.pid, stopTimeoutMs: this.#stopTimeoutMs }, 'embedded database ignored SIGTERM; killing it');
      child.process.kill('SIGKILL');
      await child.exited;
    }
  }
}

function describeExit(info: ExitInfo, recentLines: string[]): string {
  const how = info.error ? `could not run (${info.error.message})` : info.signal ? `was killed by ${info.signal}` : `exited with code ${info.code}`;
  const last = recentLines.slice(-3).join(' | ');
  return last ? `FerretDB ${how}; last output: ${last}` : `FerretDB ${how}`;
}
