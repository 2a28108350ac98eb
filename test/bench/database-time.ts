/**
 * Database time by command, collection and filter shape, from the MongoDB
 * driver's command monitoring, for the bench consoles. `monitorDatabaseTime()`
 * wraps mongoose's createConnection, so call it before the console opens its
 * connection. `duration` is the time on the wire for each command, not the
 * wait for the one pooled connection, so the totals add up to how busy the
 * embedded database was.
 */
import type { CommandFailedEvent, CommandStartedEvent, CommandSucceededEvent } from 'mongodb';
import mongoose, { type ConnectOptions } from 'mongoose';

export interface DatabaseTimeEntry {
  /** e.g. "update sensors {_id,state}" */
  command: string;
  count: number;
  totalMs: number;
  meanMs: number;
}

/** The top-level fields a command filters on, e.g. " {zoneId,state}", so that two reads of one collection tell apart. */
function filterShape(command: Record<string, unknown>): string {
  const updates = command.updates as Array<{ q?: unknown }> | undefined;
  const pipeline = command.pipeline as Array<Record<string, unknown>> | undefined;
  const filter = command.filter ?? command.query ?? updates?.[0]?.q ?? (command.deletes as Array<{ q?: unknown }> | undefined)?.[0]?.q ?? pipeline?.[0]?.$match;
  return filter && typeof filter === 'object' ? ` {${Object.keys(filter).join(',')}}` : '';
}

/** Starts counting; `take(top)` answers the commands that took longest since the last take, and starts again. */
export function monitorDatabaseTime(): { take(top?: number): DatabaseTimeEntry[] } {
  const totals = new Map<string, { count: number; totalMs: number }>();
  const createConnection = mongoose.createConnection.bind(mongoose);
  mongoose.createConnection = ((uri: string, options: ConnectOptions = {}) => {
    const connection = createConnection(uri, { ...options, monitorCommands: true });
    const client = connection.getClient();
    const keys = new Map<number, string>();
    client.on('commandStarted', (event: CommandStartedEvent) => {
      const command = event.command;
      // getMore names its collection in `collection`; the others under their own name.
      const collection: unknown = event.commandName === 'getMore' ? command.collection : command[event.commandName];
      keys.set(event.requestId, `${event.commandName}${typeof collection === 'string' ? ` ${collection}` : ''}${filterShape(command)}`);
    });
    const record = (event: CommandSucceededEvent | CommandFailedEvent) => {
      const key = keys.get(event.requestId) ?? event.commandName;
      keys.delete(event.requestId);
      const entry = totals.get(key) ?? { count: 0, totalMs: 0 };
      entry.count += 1;
      entry.totalMs += event.duration;
      totals.set(key, entry);
    };
    client.on('commandSucceeded', record);
    client.on('commandFailed', record);
    return connection;
  }) as typeof mongoose.createConnection;
  return {
    take(top = 8) {
      const longest = [...totals].sort((a, b) => b[1].totalMs - a[1].totalMs).slice(0, top);
      totals.clear();
      return longest.map(([command, entry]) => ({ command, count: entry.count, totalMs: Math.round(entry.totalMs), meanMs: Math.round((entry.totalMs / entry.count) * 10) / 10 }));
    },
  };
}
