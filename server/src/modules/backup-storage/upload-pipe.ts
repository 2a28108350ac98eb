/**
 * A real pipe (not the socket pair Node's `spawn` gives a child's stdin) to
 * feed `smbclient put -`, with the largest capacity an unprivileged process
 * may set (`/proc/sys/fs/pipe-max-size`, 1 MiB by default) instead of 64 KiB:
 * smbclient reads its source synchronously, one SMB write (8 MiB with SMB3)
 * at a time, and a deeper pipe lets it take more of that write without
 * waiting for the console. The write end is a blocking descriptor, so a
 * worker thread can feed it with plain `write()`s (see upload-stream.ts).
 *
 * Node has no pipe() nor fcntl(): the pipe is a FIFO opened at both ends then
 * unlinked at once (so nothing is left on disk), and its capacity is set by
 * `perl` (perl-base is Essential in Debian, so present wherever smbclient is)
 * running once with the read end as its stdin — no process sits between the
 * console and smbclient, no byte is copied once more.
 */
import { execFile, spawn } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const DEFAULT_PIPE_BYTES = 64 * 1024;
/** F_SETPIPE_SZ from <linux/fcntl.h> (F_LINUX_SPECIFIC_BASE + 7). */
const F_SETPIPE_SZ = 1031;

export interface UploadPipe {
  /** Give this to smbclient as its stdin, then close it here. */
  readFd: number;
  /** Blocking write end; whoever writes it closes it (that is smbclient's end of file). */
  writeFd: number;
}

async function largestPipeBytes(): Promise<number> {
  const text = await readFile('/proc/sys/fs/pipe-max-size', 'utf8').catch(() => '');
  const bytes = Number.parseInt(text, 10);
  return Number.isSafeInteger(bytes) && bytes > DEFAULT_PIPE_BYTES ? bytes : DEFAULT_PIPE_BYTES;
}

export async function openUploadPipe(): Promise<UploadPipe> {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'garrison-smb-pipe-'));
  const fifo = path.join(folder, 'upload');
  let readFd = -1;
  let writeFd = -1;
  try {
    await run('mkfifo', ['-m', '0600', fifo]);
    // Opening one end of a FIFO blocks until the other is open, except a non-blocking read end: open
    // that first, so that the blocking ends below (the ones handed on) open at once. Node adds O_CLOEXEC.
    const placeholder = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      writeFd = openSync(fifo, constants.O_WRONLY);
      readFd = openSync(fifo, constants.O_RDONLY);
    } finally {
      closeSync(placeholder);
    }
  } catch (error) {
    if (writeFd >= 0) closeSync(writeFd);
    throw error;
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
  // Without perl the pipe keeps 64 KiB: slower (measured in README, Backups), still correct.
  await resizePipe(readFd, await largestPipeBytes());
  return { readFd, writeFd };
}

/** F_SETPIPE_SZ on `fd` through perl (its stdin); settles either way. */
function resizePipe(fd: number, bytes: number): Promise<void> {
  return new Promise((resolve) => {
    const perl = spawn('perl', ['-e', `fcntl(STDIN, ${F_SETPIPE_SZ}, ${bytes}) or exit 1`], { stdio: [fd, 'ignore', 'ignore'] });
    perl.once('error', () => resolve());
    perl.once('close', () => resolve());
  });
}
