#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader (sensor-link ships as source):
// the same as `node --import tsx sensor-link/src/cli.ts …`. Signals are passed
// on so `systemctl stop` and Ctrl-C stop the link cleanly.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const child = spawn(process.execPath, ['--import', 'tsx', cli, ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
