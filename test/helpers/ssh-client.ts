/**
 * The real OpenSSH client (with sshpass) against the console's SSH CLI.
 *
 *   const result = await sshExec(testConsole.sshPort, 'admin', password, 'system version');
 *   const shell = await sshShell(testConsole.sshPort, 'admin', password);   // with a pty (-tt)
 *   shell.send('help\r'); await shell.waitFor(/Commands you can run/);
 *
 * Host keys are not checked (each test console makes a new one) and only
 * password authentication is tried. The password travels in SSHPASS, not argv.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

export interface SshResult {
  stdout: string;
  stderr: string;
  code: number | null;
  elapsedMs: number;
}

function sshArguments(port: number, username: string, extra: string[], command: string[]): string[] {
  return [
    '-e',
    'ssh',
    '-p',
    String(port),
    '-o', 'StrictHostKeyChecking=no',
    '-o', 'UserKnownHostsFile=/dev/null',
    '-o', 'PubkeyAuthentication=no',
    '-o', 'PreferredAuthentications=password',
    '-o', 'NumberOfPasswordPrompts=1',
    '-o', 'ConnectTimeout=10',
    '-o', 'LogLevel=ERROR',
    ...extra,
    `${username}@127.0.0.1`,
    ...command,
  ];
}

function spawnSsh(port: number, username: string, password: string, extra: string[], command: string[] = []): ChildProcessWithoutNullStreams {
  return spawn('sshpass', sshArguments(port, username, extra, command), { env: { ...process.env, SSHPASS: password } });
}

export function sshExec(port: number, username: string, password: string, command: string, timeoutMs = 20_000): Promise<SshResult> {
  return collect(spawnSsh(port, username, password, ['-T'], [command]), '', command, timeoutMs);
}

/** A shell without a pty fed a script on standard input (`ssh -T host < script`). */
export function sshScript(port: number, username: string, password: string, script: string, timeoutMs = 20_000): Promise<SshResult> {
  return collect(spawnSsh(port, username, password, ['-T']), script, 'script', timeoutMs);
}

function collect(child: ChildProcessWithoutNullStreams, input: string, command: string, timeoutMs: number): Promise<SshResult> {
  const started = performance.now();
  child.stdin.end(input);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ssh '${command}' timed out after ${timeoutMs} ms; stdout: ${stdout} stderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code, elapsedMs: performance.now() - started });
    });
  });
}

export interface SshShell {
  send(text: string): void;
  /** Resolves with everything received so far once it matches; rejects after timeoutMs. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  output(): string;
  /** Resolves with ssh's exit status once it ended. */
  closed(timeoutMs?: number): Promise<number | null>;
  kill(): void;
}

/** An interactive session with a pty (`ssh -tt`), as a person at a terminal gets. */
export function sshShell(port: number, username: string, password: string): SshShell {
  const child = spawnSsh(port, username, password, ['-tt']);
  let received = '';
  let exitCode: number | null | undefined;
  const waiters = new Set<() => void>();
  const notify = () => waiters.forEach((waiter) => waiter());
  child.stdout.on('data', (chunk: Buffer) => {
    received += chunk.toString('utf8');
    notify();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    received += chunk.toString('utf8');
    notify();
  });
  child.on('close', (code) => {
    exitCode = code;
    notify();
  });
  const until = <Value>(check: () => Value | undefined, timeoutMs: number, what: string): Promise<Value> =>
    new Promise((resolve, reject) => {
      const attempt = () => {
        const value = check();
        if (value === undefined) return false;
        cleanup();
        resolve(value);
        return true;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; received: ${JSON.stringify(received)}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(listener);
      };
      const listener = () => void attempt();
      waiters.add(listener);
      attempt();
    });
  return {
    send: (text) => child.stdin.write(text),
    waitFor: (pattern, timeoutMs = 10_000) => until(() => (pattern.test(received) ? received : undefined), timeoutMs, String(pattern)),
    output: () => received,
    closed: (timeoutMs = 10_000) => until(() => (exitCode === undefined ? undefined : exitCode), timeoutMs, 'ssh to exit'),
    kill: () => child.kill('SIGKILL'),
  };
}
