/**
 * Sends formatted syslog messages over UDP, TCP or TLS (RFC 5425). Stream
 * transports use octet-counting framing (`<length> <message>`, RFC 6587 § 3.4.1,
 * mandatory for RFC 5425) so a message may contain any byte. One connection per
 * target is kept open and reused: a fresh handshake per message would cap
 * throughput at a few hundred messages per second; a batch of messages goes out
 * as one write of their frames. A connection that fails is dropped; the next
 * send opens a new one. Nothing here retries.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import { TLS_POLICY } from '../../../platform/tls-policy.js';
import { outboundTlsOptions } from '../../pki/outbound-tls.js';

export type SyslogTransport = 'udp' | 'tcp' | 'tls';

export interface SyslogEndpoint {
  transport: SyslogTransport;
  host: string;
  port: number;
  timeoutMs: number;
  tls?: { ca: string | null; cert: string | null; key: string | null; passphrase: string | null; servername: string | null };
}

/** The bytes written for one message on a stream transport. */
export function octetCountingFrame(message: string): Buffer {
  const body = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length} `, 'ascii'), body]);
}

class StreamConnection {
  private socket: net.Socket | null = null;
  private connecting: Promise<net.Socket> | null = null;

  constructor(private readonly endpoint: SyslogEndpoint) {}

  private open(): Promise<net.Socket> {
    this.connecting ??= new Promise<net.Socket>((resolve, reject) => {
      const { endpoint } = this;
      const socket =
        endpoint.transport === 'tls'
          ? tls.connect({
              ...TLS_POLICY,
              host: endpoint.host,
              port: endpoint.port,
              servername: endpoint.tls?.servername ?? (net.isIP(endpoint.host) ? undefined : endpoint.host),
              ...outboundTlsOptions(endpoint.tls?.ca),
              ...(endpoint.tls?.cert ? { cert: endpoint.tls.cert } : {}),
              ...(endpoint.tls?.key ? { key: endpoint.tls.key } : {}),
              ...(endpoint.tls?.passphrase ? { passphrase: endpoint.tls.passphrase } : {}),
            })
          : net.connect({ host: endpoint.host, port: endpoint.port });
      const ready = endpoint.transport === 'tls' ? 'secureConnect' : 'connect';
      const timer = setTimeout(() => socket.destroy(new Error(`no connection within ${endpoint.timeoutMs} ms`)), endpoint.timeoutMs);
      socket.once(ready, () => {
        clearTimeout(timer);
        socket.setKeepAlive(true, 30_000);
        this.socket = socket;
        resolve(socket);
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.on('error', () => this.drop(socket));
      socket.on('close', () => this.drop(socket));
      // A syslog receiver never answers; reading keeps the socket from stalling if one does.
      socket.on('data', () => undefined);
    }).finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private drop(socket: net.Socket): void {
    if (this.socket === socket) this.socket = null;
    socket.destroy();
  }

  /** Writes the messages' frames in one write; resolves once the kernel has taken them all. */
  async write(messages: string[]): Promise<void> {
    const socket = this.socket && !this.socket.destroyed ? this.socket : await this.open();
    const frame = messages.length === 1 ? octetCountingFrame(messages[0] as string) : Buffer.concat(messages.map(octetCountingFrame));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.drop(socket);
        reject(new Error(`the receiver did not take the message within ${this.endpoint.timeoutMs} ms`));
      }, this.endpoint.timeoutMs);
      socket.write(frame, (error) => {
        clearTimeout(timer);
        if (error) {
          this.drop(socket);
          reject(error);
        } else {
          resolve();
        }
      });
    });
  }

  close(): void {
    if (this.socket) this.drop(this.socket);
  }
}

/** One datagram per message, from one socket; rejects on the first error. */
function sendDatagrams(endpoint: SyslogEndpoint, messages: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(net.isIPv6(endpoint.host) ? 'udp6' : 'udp4');
    let left = messages.length;
    let settled = false;
    const finish = (error?: Error | null) => {
      if (settled) return;
      if (error || --left === 0) {
        settled = true;
        socket.close();
        if (error) reject(error);
        else resolve();
      }
    };
    socket.once('error', (error) => finish(error));
    for (const message of messages) socket.send(Buffer.from(message, 'utf8'), endpoint.port, endpoint.host, (error) => finish(error));
  });
}

/** Open stream connections, keyed by everything that identifies a target. */
export class SyslogConnections {
  private readonly connections = new Map<string, StreamConnection>();

  send(endpoint: SyslogEndpoint, message: string): Promise<void> {
    return this.sendMany(endpoint, [message]);
  }

  /** Sends the messages in order: datagrams, or one write on the target's open stream connection. */
  async sendMany(endpoint: SyslogEndpoint, messages: string[]): Promise<void> {
    if (messages.length === 0) return;
    if (endpoint.transport === 'udp') return sendDatagrams(endpoint, messages);
    const key = JSON.stringify(endpoint);
    let connection = this.connections.get(key);
    if (!connection) {
      connection = new StreamConnection(endpoint);
      this.connections.set(key, connection);
    }
    await connection.write(messages);
  }

  closeAll(): void {
    for (const connection of this.connections.values()) connection.close();
    this.connections.clear();
  }
}
