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

/** A find's projected fields, e.g. " →{name,zoneId}", so that two reads with one filter shape tell apart. */
function projectionShape(command: Record<string, unknown>): string {
  const projection = command.projection;
  return projection && typeof projection === 'object' ? ` →{${Object.keys(projection).join(',')}}` : '';
}

/** Starts counting; `take(top)` answers the commands that took longest since the last take, and starts again. */
export function monitorDatabaseTime(): { take(top?: number): DatabaseTimeEntry[] } {
  const totals = new Map<string, { count: number; totalMs: number }>();
  const createConnection = mongoose.createConnection.bind(mongoose);
  mongoose.createConnection = ((uri: string, options: ConnectOptions = {}) => {
    const connection = createConnection(uri, { ...options, monitorCommands: true });
    const client = connection.getClient();
    const keys = new Map<number, string>();
    /** Open cursors by id: a getMore is counted under the read that opened it ("getMore of find sensors {_id} →{name}"). */
    const cursors = new Map<string, string>();
    client.on('commandStarted', (event: CommandStartedEvent) => {
      const command = event.command;
      if (event.commandName === 'getMore') {
        const opener = cursors.get(String(command.getMore));
        keys.set(event.requestId, opener ? `getMore of ${opener}` : `getMore ${String(command.collection)}`);
        return;
      }
      const collection: unknown = command[event.commandName];
      keys.set(event.requestId, `${event.commandName}${typeof collection === 'string' ? ` ${collection}` : ''}${filterShape(command)}${projectionShape(command)}`);
    });
    const record = (event: CommandSucceededEvent | CommandFailedEvent) => {
      const key = keys.get(event.requestId) ?? event.commandName;
      keys.delete(event.requestId);
      const cursor = 'reply' in event ? (event.reply as { cursor?: { id?: unknown } } | undefined)?.cursor?.id : undefined;
      if (cursor !== undefined && String(cursor) !== '0') cursors.set(String(cursor), key.replace(/^getMore of /, ''));
      if (cursors.size > 10_000) cursors.clear();
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
