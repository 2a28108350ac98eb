/**
 * The parent's side of a benchmark child process (a console or a bare
 * baseline server, each alone in its process so its memory and CPU are its
 * own): fork it, wait for `ready`, ask it things over IPC, stop it.
 * BENCH_CPU_PROFILE=<dir> writes a V8 CPU profile of every child there when it
 * exits (open it in Chrome DevTools, or summarise it with `node --cpu-prof`
 * tooling).
 */
import { fork, type ChildProcess } from 'node:child_process';

export type Answer = Record<string, unknown>;

export interface MemorySample {
  rssBytes: number;
  heapUsedBytes: number;
}

/** How long a child may take to stop before it is killed. */
const STOP_GRACE_MS = 30_000;

/** `env` adds to (or overrides) the parent's environment for the child. */
export function startBenchChild(file: string, args: string[], env: Record<string, string> = {}) {
  const profile = process.env.BENCH_CPU_PROFILE;
  const child: ChildProcess = fork(file, args, {
    execArgv: ['--import', 'tsx', '--expose-gc', ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [])],
    env: { ...process.env, GARRISON_ENROLL_ATTEMPTS_PER_MINUTE: '100000', ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map<string, Array<(message: Answer) => void>>();
  child.on('message', (message: Answer) => {
    const kind = String(message.kind);
    waiting.get(kind)?.shift()?.(message);
    if (kind === 'error') console.error(`${file}:`, message.message);
  });
  const next = (kind: string) => new Promise<Answer>((resolve) => waiting.set(kind, [...(waiting.get(kind) ?? []), resolve]));
  const ask = (message: Answer, answer: string) => {
    const reply = next(answer);
    child.send(message);
    return reply;
  };
  return {
    ready: next('ready'),
    ask,
    /** The child's memory after a full garbage collection. */
    async memory(): Promise<MemorySample> {
      const answer = await ask({ kind: 'memory' }, 'memory');
      return { rssBytes: Number(answer.rssBytes), heapUsedBytes: Number(answer.heapUsedBytes) };
    },
    /** Asks the child to stop (`details` go along with the request) and kills it if it has not exited in time. */
    async stop(details: Answer = {}) {
      if (child.exitCode !== null || !child.connected) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ kind: 'stop', ...details });
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

export type BenchChild = ReturnType<typeof startBenchChild>;

/** Runs `work` over `items` with at most `size` at a time, in order of start. */
export async function inBatches<T>(items: T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  let index = 0;
  await Promise.all(
    Array.from({ length: size }, async () => {
      while (index < items.length) await work(items[index++] as T);
    }),
  );
}
