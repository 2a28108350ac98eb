/**
 * The interactive shell on one SSH channel: a prompt, line editing (backspace,
 * ctrl-c drops the line, ctrl-d on an empty line signs out, tab completes a
 * command word), `exit`. Lines typed while a command runs are queued, so pasted
 * scripts run in order. With a pty the terminal expects us to echo and to end
 * lines with \r\n; without one (`ssh -T host < script`) we echo nothing.
 */
import type { ServerChannel } from 'ssh2';
import type { CliInvocation, CommandResult } from './cli-command.js';
import type { CommandRegistry } from './command-registry.js';

export interface ShellOptions {
  channel: ServerChannel;
  registry: CommandRegistry;
  invocation: CliInvocation;
  pty: boolean;
  banner: string[];
}

const MAX_LINE_LENGTH = 4096;
/** An unattended shell is signed out, like an idle web session (30 minutes). */
export const IDLE_TIMEOUT_MS = 30 * 60 * 1000;

export function runShell(options: ShellOptions): void {
  const { channel, registry, invocation, pty } = options;
  const newline = pty ? '\r\n' : '\n';
  const prompt = `${invocation.user.username}@garrison: `;
  let line = '';
  let busy = false;
  let closed = false;
  let escape = false;
  let lastWasCarriageReturn = false;
  const queue: string[] = [];
  /** A command's pending question: the next line answers it instead of running (a pasted script's next line too). */
  let answer: ((reply: string) => void) | null = null;
  const ask = (question: string) =>
    new Promise<boolean>((resolve) => {
      write(`${question} [Y/n]: `);
      const take = (reply: string) => {
        answer = null;
        if (!pty) write(newline);
        resolve(/^\s*(y|yes)?\s*$/i.test(reply));
      };
      const queued = queue.shift();
      if (queued !== undefined) take(queued);
      else answer = take;
    });

  const write = (text: string) => {
    if (!closed) channel.write(text);
  };
  const writeLines = (target: 'out' | 'err', text: string[]) => {
    if (closed || text.length === 0) return;
    const joined = text.map((item) => item.replace(/\r?\n/g, newline)).join(newline) + newline;
    if (target === 'err' && !pty) channel.stderr.write(joined);
    else channel.write(joined);
  };
  const close = (code: number) => {
    if (closed) return;
    closed = true;
    clearTimeout(idle);
    channel.exit(code);
    channel.end();
  };
  const signOutIdle = () => {
    if (busy) return restartIdle();
    write(`${newline}Signed out after ${IDLE_TIMEOUT_MS / 60_000} minutes without input.${newline}`);
    close(0);
  };
  let idle = setTimeout(signOutIdle, IDLE_TIMEOUT_MS);
  const restartIdle = () => {
    clearTimeout(idle);
    idle = setTimeout(signOutIdle, IDLE_TIMEOUT_MS);
  };

  const next = async (): Promise<void> => {
    while (!busy && queue.length > 0 && !closed) {
      const typed = (queue.shift() ?? '').trim();
      if (typed === 'exit' || typed === 'quit' || typed === 'logout') return close(0);
      busy = true;
      let result: CommandResult;
      try {
        result = await registry.run(typed, { ...invocation, ask });
      } finally {
        busy = false;
      }
      writeLines('out', result.output);
      writeLines('err', result.errors ?? []);
      write(prompt);
    }
  };

  const submit = () => {
    if (pty) write(newline);
    const typed = line;
    line = '';
    if (answer) return answer(typed);
    queue.push(typed);
    void next();
  };

  const complete = () => {
    const candidates = registry.completions(line, invocation);
    const partial = line.split(/\s+/).pop() ?? '';
    if (candidates.length === 1) {
      const rest = `${(candidates[0] ?? '').slice(partial.length)} `;
      line += rest;
      if (pty) write(rest);
    } else if (candidates.length > 1 && pty) {
      write(`${newline}${candidates.join('  ')}${newline}${prompt}${line}`);
    }
  };

  channel.on('data', (data: Buffer) => {
    restartIdle();
    for (const char of data.toString('utf8')) {
      const afterCarriageReturn = lastWasCarriageReturn;
      lastWasCarriageReturn = char === '\r';
      // Arrow keys and other escape sequences: skip the whole sequence (no history yet).
      if (escape) {
        if (/[A-Za-z~]/.test(char)) escape = false;
        continue;
      }
      if (char === '\x1b') escape = true;
      else if (char === '\r' || char === '\n') {
        // Some clients send \r\n for Enter: the \n after a \r that already submitted is no new line.
        if (char === '\n' && afterCarriageReturn) continue;
        submit();
      } else if (char === '\x7f' || char === '\b') {
        if (line.length > 0) {
          line = line.slice(0, -1);
          if (pty) write('\b \b');
        }
      } else if (char === '\x03') {
        line = '';
        write(`^C${newline}${prompt}`);
      } else if (char === '\x04') {
        if (line.length === 0) {
          write(newline);
          close(0);
          return;
        }
      } else if (char === '\t') complete();
      else if (char >= ' ' && line.length < MAX_LINE_LENGTH) {
        line += char;
        if (pty) write(char);
      }
    }
  });
  // Without a pty the client closes its side after the script; run what is left, then end.
  channel.on('end', () => {
    if (line.trim().length > 0) submit();
    answer?.('no');
    const waitThenClose = () => (busy || queue.length > 0 ? setTimeout(waitThenClose, 20) : close(0));
    waitThenClose();
  });
  channel.on('close', () => {
    answer?.('no');
    closed = true;
    clearTimeout(idle);
  });

  writeLines('out', options.banner);
  write(prompt);
}
