/**
 * The driver patch (driver-patches.ts) on the driver's real Connection class:
 * a command written on a connection whose socket has closed fails at once
 * instead of waiting forever for a 'drain' that never comes.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import net from 'node:net';
import { describe, it } from 'node:test';
import { MongoNetworkError } from 'mongodb';
import { driverConnectionClass, patchMongoDriver } from './driver-patches.js';

const require = createRequire(import.meta.url);
const { OpMsgRequest } = require('mongodb/lib/cmap/commands.js') as { OpMsgRequest: new (db: string, command: object, options: object) => object };

/** A driver Connection over a TCP socket that the peer closes at once; resolves once the driver saw the close. */
async function closedConnection() {
  const server = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  const Connection = driverConnectionClass() as unknown as new (stream: net.Socket, options: object) => {
    closed: boolean;
    once(event: string, listener: () => void): void;
    writeCommand(command: object, options: object): Promise<void>;
  };
  const connection = new Connection(socket, { id: 7, generation: 0, hostAddress: { toString: () => '127.0.0.1:1' } });
  await new Promise<void>((resolve) => connection.once('close', resolve));
  server.close();
  return connection;
}

const within = <T>(ms: number, promise: Promise<T>) =>
  Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms).unref())]);

describe('MongoDB driver patch', () => {
  it('fails a command written on a closed connection instead of hanging', async () => {
    patchMongoDriver();
    patchMongoDriver(); // applying twice changes nothing
    const connection = await closedConnection();
    assert.equal(connection.closed, true);
    const write = connection.writeCommand(new OpMsgRequest('admin', { ping: 1 }, {}), { agreedCompressor: 'none' });
    await assert.rejects(within(2000, write), (error: unknown) => error instanceof MongoNetworkError && /closed/.test(error.message));
  });
});
