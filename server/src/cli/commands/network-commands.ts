/**
 * `network list` (the console's interfaces) and `network validate` (does every
 * public host name of the console — the addresses put in connection strings and
 * in its HTTPS certificate — resolve to an address of this machine?). A public
 * host that resolves elsewhere is the usual reason sensors cannot enrol.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import os from 'node:os';
import { defineCommandWithoutArguments, lines, type CliCommand } from '../cli-command.js';

export interface NetworkCommandsDeps {
  publicHosts: string[];
  bindAddress: string;
  interfaces?: () => NodeJS.Dict<os.NetworkInterfaceInfo[]>;
  resolve?: (host: string) => Promise<string[]>;
}


async function resolveAll(host: string): Promise<string[]> {
  if (isIP(host) !== 0) return [host];
  const found = await lookup(host, { all: true });
  return found.map((entry) => entry.address);
}

function localAddresses(interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]>): Map<string, string> {
  const addresses = new Map<string, string>();
  for (const [name, infos] of Object.entries(interfaces)) for (const info of infos ?? []) addresses.set(info.address, name);
  return addresses;
}

export function networkCommands(deps: NetworkCommandsDeps): CliCommand[] {
  const interfaces = deps.interfaces ?? (() => os.networkInterfaces());
  const resolve = deps.resolve ?? resolveAll;
  return [
    defineCommandWithoutArguments({
      words: ['network', 'list'],
      summary: "The console machine's network interfaces and addresses",
      permission: 'console:read',
      async run() {
        const output: string[] = [];
        for (const [name, infos] of Object.entries(interfaces()).sort(([a], [b]) => a.localeCompare(b))) {
          const list = infos ?? [];
          const loopback = list.some((info) => info.internal);
          output.push(`${name}: ${loopback ? 'loopback' : `ether ${list[0]?.mac ?? 'unknown'}`}`);
          for (const info of list) output.push(`        ${info.family === 'IPv4' ? 'inet ' : 'inet6'} ${info.cidr ?? info.address}`);
          output.push('');
        }
        return lines(...output);
      },
    }),
    defineCommandWithoutArguments({
      words: ['network', 'validate'],
      summary: "Checks that the console's public host names resolve to this machine",
      permission: 'console:read',
      async run() {
        const local = localAddresses(interfaces());
        const listensEverywhere = deps.bindAddress === '0.0.0.0' || deps.bindAddress === '::';
        const problems: string[] = [];
        const report: string[] = [];
        for (const host of deps.publicHosts) {
          let addresses: string[];
          try {
            addresses = await resolve(host);
          } catch (error) {
            problems.push(`${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? 'lookup failed'})`);
            report.push(`public host: ${host} -> (does not resolve)`);
            continue;
          }
          const matches = addresses.filter((address) => local.has(address));
          const reachable = matches.filter((address) => listensEverywhere || address === deps.bindAddress);
          report.push(`public host: ${host} -> ${addresses.join(', ')}${matches.length > 0 ? ` (on ${[...new Set(matches.map((address) => local.get(address)))].join(', ')})` : ''}`);
          if (matches.length === 0) problems.push(`${host} resolves to ${addresses.join(', ')}, which is not an address of this machine`);
          else if (reachable.length === 0) problems.push(`${host} resolves to ${matches.join(', ')}, but the console listens on ${deps.bindAddress} only`);
        }
        const settings = [`bind address: ${deps.bindAddress}`, ...report];
        if (problems.length === 0) return lines('Success! (every public host name resolves to an address of this machine)', 'Current Network Settings:', ...settings);
        const summary = `Failure! ${problems.join('; ')}. Fix GARRISON_PUBLIC_HOSTS or DNS: sensors use these names to reach the console.`;
        return { output: [summary, 'Current Network Settings:', ...settings], errors: [summary], exitCode: 1 };
      },
    }),
  ];
}
