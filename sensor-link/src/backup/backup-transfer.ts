/**
 * Moves backup archives between the sensor and the console over HTTPS on the
 * link port, with the same trust as the link: the pinned console CA from the
 * state folder, the sensor's client certificate, normal host verification.
 * Streams only; a stalled transfer ends after `idleTimeoutMs` without a byte.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { parseAddress } from '../protocol/connection-string.js';
import { BACKUP_DIGEST_HEADER, BACKUP_SIZE_HEADER } from '../protocol/link-protocol.js';
import type { LinkState } from '../state/link-state.js';
import { DigestStream } from './digest-stream.js';
import { ThrottleStream } from './throttle-stream.js';

export interface TransferEndpoint {
  state: Pick<LinkState, 'caPem' | 'certificatePem' | 'privateKeyPem'>;
  /** `host:port` the link is connected to. */
  address: string;
  signal?: AbortSignal;
  idleTimeoutMs?: number;
}

const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
const MAX_ANSWER_BYTES = 16 * 1024;

function requestOptions(endpoint: TransferEndpoint, method: string, requestPath: string, headers: Record<string, string | number>): https.RequestOptions {
  const address = parseAddress(endpoint.address);
  if (!address) throw new Error(`The console address "${endpoint.address}" is malformed.`);
  return {
    host: address.host,
    port: address.port,
    method,
    path: requestPath,
    ca: endpoint.state.caPem,
    cert: endpoint.state.certificatePem,
    key: endpoint.state.privateKeyPem,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
    agent: false,
    headers,
    ...(endpoint.signal ? { signal: endpoint.signal } : {}),
  };
}

async function readAnswer(response: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of response as AsyncIterable<Buffer>) {
    if (text.length < MAX_ANSWER_BYTES) text += chunk.toString('utf8');
  }
  return text.slice(0, MAX_ANSWER_BYTES);
}

/** The console's error sentence from a JSON error body, or the status. */
function refusalOf(status: number, text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } };
    if (typeof body.error?.message === 'string') return body.error.message;
  } catch {
    // not JSON: fall through to the status
  }
  return `HTTP ${status}`;
}

export interface UploadOptions extends TransferEndpoint {
  file: string;
  uploadPath: string;
  sizeBytes: number;
  sha256: string;
  /** Null: no limit. */
  bytesPerSecond: number | null;
}

/** PUTs the file; resolves once the console answered 2xx, rejects with the console's reason otherwise. */
export async function uploadBackup(options: UploadOptions): Promise<void> {
  const request = https.request(
    requestOptions(options, 'PUT', options.uploadPath, {
      'content-type': 'application/x-tar',
      'content-length': options.sizeBytes,
      [BACKUP_SIZE_HEADER]: String(options.sizeBytes),
      [BACKUP_DIGEST_HEADER]: options.sha256,
    }),
  );
  request.setTimeout(options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS, () => request.destroy(new Error('the transfer stalled')));
  const answered = new Promise<IncomingMessage>((resolve, reject) => {
    request.once('response', resolve);
    request.once('error', reject);
  });
  const stages: NodeJS.ReadableStream[] = [createReadStream(options.file, { highWaterMark: 256 * 1024 })];
  if (options.bytesPerSecond !== null) stages.push(new ThrottleStream(options.bytesPerSecond));
  // The console may answer (and close) before reading everything, e.g. a refusal: the answer says why.
  const sent = pipeline([...stages, request] as unknown as [NodeJS.ReadableStream, NodeJS.WritableStream]).catch((error: unknown) => error as Error);
  const response = await answered;
  const text = await readAnswer(response);
  const sendError = await sent;
  const status = response.statusCode ?? 0;
  if (status < 200 || status >= 300) throw new Error(`the console refused the upload: ${refusalOf(status, text)}`);
  if (sendError instanceof Error) throw sendError;
}

export interface DownloadOptions extends TransferEndpoint {
  downloadPath: string;
  file: string;
  sizeBytes: number;
  sha256: string;
}

/** GETs the archive into `file`, checking its size and SHA-256; rejects with what did not match. */
export async function downloadBackup(options: DownloadOptions): Promise<void> {
  const request = https.request(requestOptions(options, 'GET', options.downloadPath, {}));
  request.setTimeout(options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS, () => request.destroy(new Error('the transfer stalled')));
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    request.once('response', resolve);
    request.once('error', reject);
    request.end();
  });
  const status = response.statusCode ?? 0;
  if (status !== 200) throw new Error(`the console refused the download: ${refusalOf(status, await readAnswer(response))}`);
  const measure = new DigestStream();
  await pipeline(response, measure, createWriteStream(options.file, { mode: 0o600 }));
  if (measure.sizeBytes !== options.sizeBytes) throw new Error(`the download has ${measure.sizeBytes} bytes where ${options.sizeBytes} were announced`);
  const digest = measure.sha256();
  if (digest !== options.sha256) throw new Error(`the download's SHA-256 is ${digest}, not the announced ${options.sha256}`);
}
