/**
 * `cert import --crt <file> --key <file> [--chain <file>] [--pass <passphrase>]`,
 * `cert self-signed` and `cert show` (admins, 'system:manage'): the web console
 * certificate, through the same service, checks and audit records as
 * PUT/DELETE /api/v1/pki/web-certificate.
 *
 * The files are read on the console host by the console's own user, so a path
 * must be absolute (the CLI has no working directory) and readable by that user.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { WebCertificateService, WebCertificateView } from '../../modules/pki/web-certificate-service.js';
import { AppError } from '../../platform/errors.js';
import { actorOf, defineCommand, defineCommandWithoutArguments, lines, type CliCommand } from '../cli-command.js';

const MAX_FILE_BYTES = 64 * 1024;

const filePath = (option: string, what: string) =>
  z
    .string(`is missing: give the ${what} file with --${option} /absolute/path`)
    .refine((value) => path.isAbsolute(value), 'must be an absolute path on the console host (e.g. /tmp/console.crt)');

async function readPemFile(option: string, file: string): Promise<string> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new AppError('validation_failed', `${option}: ${file} is not a file.`);
    if (info.size > MAX_FILE_BYTES) throw new AppError('validation_failed', `${option}: ${file} is larger than ${MAX_FILE_BYTES / 1024} KiB; it is not a PEM file.`);
    return await readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof AppError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new AppError('validation_failed', `${option}: ${file} does not exist on the console host.`);
    if (code === 'EACCES') throw new AppError('validation_failed', `${option}: ${file} is not readable by the console's user.`);
    throw new AppError('validation_failed', `${option}: ${file} cannot be read (${code ?? (error as Error).message}).`);
  }
}

export function describeWebCertificate(view: WebCertificateView): string[] {
  return [
    `Source:      ${view.source === 'uploaded' ? `uploaded by ${view.uploadedBy ?? '?'} at ${view.uploadedAt ?? '?'}` : 'signed by the console CA'}`,
    `Subject:     ${view.subject}`,
    `Issuer:      ${view.issuer}`,
    `Names:       ${view.subjectAltNames.join(', ') || '(none)'}`,
    `Valid:       ${view.notBefore} to ${view.notAfter}`,
    `Key:         ${view.keyType} ${view.keySize}`,
    `SHA-256:     ${view.fingerprintSha256}`,
    `Chain:       ${view.chainLength} certificate${view.chainLength === 1 ? '' : 's'} after the server certificate`,
  ];
}

export function certCommands(webCertificate: () => WebCertificateService): CliCommand[] {
  return [
    defineCommand({
      words: ['cert', 'import'],
      summary: 'Serve an uploaded certificate on the web console (applied at once, no restart)',
      usage: '--crt <file> --key <file> [--chain <file>] [--pass <passphrase>]',
      permission: 'system:manage',
      positionals: [],
      options: { crt: { kind: 'value' }, key: { kind: 'value' }, chain: { kind: 'value' }, pass: { kind: 'value' } },
      schema: z.strictObject({
        crt: filePath('crt', 'certificate'),
        key: filePath('key', 'private key'),
        chain: filePath('chain', 'chain').optional(),
        pass: z.string().min(1, 'must not be empty; leave --pass out for an unencrypted key').max(1024).optional(),
      }),
      async run(args, invocation) {
        const [certificatePem, privateKeyPem, chainPem] = await Promise.all([
          readPemFile('crt', args.crt),
          readPemFile('key', args.key),
          args.chain === undefined ? Promise.resolve(null) : readPemFile('chain', args.chain),
        ]);
        const view = await webCertificate().upload(
          { certificatePem, privateKeyPem, chainPem, passphrase: args.pass ?? null },
          { actor: actorOf(invocation), sourceAddress: invocation.sourceAddress },
        );
        return lines('The web console now serves the imported certificate.', ...describeWebCertificate(view));
      },
    }),
    defineCommandWithoutArguments({
      words: ['cert', 'self-signed'],
      summary: "Serve the certificate signed by the console CA again (applied at once)",
      permission: 'system:manage',
      async run(_args, invocation) {
        const view = await webCertificate().useConsoleCa({ actor: actorOf(invocation), sourceAddress: invocation.sourceAddress });
        return lines("The web console now serves the console CA's certificate.", ...describeWebCertificate(view));
      },
    }),
    defineCommandWithoutArguments({
      words: ['cert', 'show'],
      summary: 'The web console certificate now served',
      permission: 'system:manage',
      async run() {
        return lines(...describeWebCertificate(webCertificate().current()));
      },
    }),
  ];
}
