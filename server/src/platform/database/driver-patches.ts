/**
 * A fix for a hang in the MongoDB Node.js driver (7.8, the version mongoose 9
 * pins; 7.9.1 has the same code), applied once when the database module loads.
 *
 * `Connection.writeCommand` (mongodb/lib/cmap/connection.js) writes to the
 * socket and, when `write()` returns false, waits for 'drain', rejecting only
 * on 'error'. If the socket closed between the connection's check-out and
 * that write (the server process was killed), `write()` on the destroyed
 * socket returns false and emits nothing: neither 'drain' nor 'error' ever
 * comes, so the command never settles. With the embedded database's single
 * pooled connection, every later command then waits behind it: the console
 * looked up again after a crash of its FerretDB child, but its database calls
 * hung forever (about one crash in six under load, seen in
 * console-lifecycle.test.ts).
 *
 * The patch rejects a write on a connection that is already closed, and a
 * write still waiting when the connection closes, with the driver's own
 * MongoNetworkError, so the operation fails (reads are retried once on a new
 * connection) and the pool moves on.
 */
import { createRequire } from 'node:module';
import { MongoNetworkError } from 'mongodb';

interface DriverConnection {
  closed: boolean;
  error: Error | null;
  id: number;
  address: string;
  once(event: string, listener: () => void): unknown;
  off(event: string, listener: () => void): unknown;
  writeCommand(command: unknown, options: unknown): Promise<void>;
}

interface DriverConnectionClass {
  prototype: DriverConnection;
  CLOSE: string;
}

const PATCHED = Symbol.for('garrison.driver-patch.write-on-closed-connection');

/** The driver's Connection class (the same module instance the `mongodb` package uses). */
export function driverConnectionClass(): DriverConnectionClass {
  const require = createRequire(import.meta.url);
  return (require('mongodb/lib/cmap/connection.js') as { Connection: DriverConnectionClass }).Connection;
}

export function patchMongoDriver(): void {
  const Connection = driverConnectionClass();
  const prototype = Connection.prototype as DriverConnection & { [PATCHED]?: true };
  if (prototype[PATCHED]) return;
  const writeCommand = prototype.writeCommand;
  if (typeof writeCommand !== 'function') throw new Error('The MongoDB driver has no Connection.writeCommand to patch: check driver-patches.ts against this driver version.');
  const closedError = (connection: DriverConnection) => connection.error ?? new MongoNetworkError(`connection ${connection.id} to ${connection.address} closed`);
  prototype.writeCommand = function patchedWriteCommand(this: DriverConnection, command: unknown, options: unknown): Promise<void> {
    if (this.closed) return Promise.reject(closedError(this));
    return new Promise<void>((resolve, reject) => {
      const onClose = () => reject(closedError(this));
      this.once(Connection.CLOSE, onClose);
      writeCommand
        .call(this, command, options)
        .then(resolve, reject)
        .finally(() => this.off(Connection.CLOSE, onClose));
    });
  };
  prototype[PATCHED] = true;
}
