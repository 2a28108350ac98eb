/**
 * The SNMP agent (net-snmp) on one UDP socket: read-only, v2c community and
 * SNMPv3 authPriv users, an optional manager allow-list. Credentials and the
 * allow-list change without a restart (applyCredentials). Values are set by
 * the module from the component registry and the fleet; this class keeps the
 * table indexes and only touches cells that changed.
 *
 * Guards, because a throw inside the UDP message handler would end the console:
 * every value is coerced (snmp-values.ts) before it reaches the MIB, every MIB
 * write is wrapped, and the socket's message dispatch itself is wrapped.
 */
import dgram from 'node:dgram';
import snmp from 'net-snmp';
import type { Logger } from '../platform/logger.js';
import { providerDefinitions, type ProviderDefinition, type ScalarName, type TableName, type TableRow } from './garrison-mib.js';
import { managerFilter, type SnmpAgentCredentials } from './snmp-agent-settings.js';
import { timeTicks } from './snmp-values.js';

/** The parts of net-snmp's untyped Agent, Mib and Authorizer the console uses. */
interface NetSnmpMib {
  registerProvider(definition: ProviderDefinition): void;
  setScalarValue(name: string, value: unknown): void;
  addTableRow(name: string, row: TableRow): void;
  setTableSingleCell(name: string, column: number, rowIndex: number[], value: unknown): void;
  deleteTableRow(name: string, rowIndex: number[]): void;
}
interface NetSnmpUser {
  name: string;
  level: number;
  authProtocol: number;
  authKey: string;
  privProtocol: number;
  privKey: string;
}
interface NetSnmpAuthorizer {
  addCommunity(community: string): void;
  deleteCommunity(community: string): void;
  getCommunities(): string[];
  addUser(user: NetSnmpUser): void;
  deleteUser(name: string): void;
  getUsers(): Array<{ name: string }>;
}
interface NetSnmpAgent {
  getMib(): NetSnmpMib;
  getAuthorizer(): NetSnmpAuthorizer;
  close(callback?: () => void): void;
}

export interface SnmpAgentOptions {
  port: number;
  address: string;
  logger: Logger;
  startedAt: Date;
}

export class SnmpAgent {
  private agent: NetSnmpAgent | null = null;
  private socket: dgram.Socket | null = null;
  private allowed: (address: string) => boolean = () => true;
  /** Per table: row key (sensor id, component name) → index, and index → the row as last written. */
  private readonly indexes: Record<TableName, Map<string, number>> = { componentTable: new Map(), sensorTable: new Map() };
  private readonly rows: Record<TableName, Map<number, TableRow>> = { componentTable: new Map(), sensorTable: new Map() };
  private readonly nextIndex: Record<TableName, number> = { componentTable: 1, sensorTable: 1 };

  constructor(private readonly options: SnmpAgentOptions) {}

  /** Opens the UDP socket; resolves with the port it listens on. */
  async start(): Promise<number> {
    const { logger } = this.options;
    let created: dgram.Socket | null = null;
    // net-snmp turns port 0 into 161, so the socket is bound here with the configured port instead.
    const dgramModule = {
      createSocket: (type: dgram.SocketType) => {
        const socket = dgram.createSocket(type);
        const bind = socket.bind.bind(socket);
        socket.bind = ((..._ignored: unknown[]) => bind(this.options.port, this.options.address)) as typeof socket.bind;
        const emit = socket.emit.bind(socket);
        socket.emit = ((event: string | symbol, ...args: unknown[]) => {
          if (event === 'message' && !this.allowed((args[1] as dgram.RemoteInfo).address)) return false;
          try {
            return emit(event, ...args);
          } catch (error) {
            logger.error({ err: error }, 'SNMP request failed; the agent goes on');
            return true;
          }
        }) as typeof socket.emit;
        created = socket;
        return socket;
      },
    };
    const callback = (error: (Error & { rinfo?: dgram.RemoteInfo }) | null) => {
      if (error) logger.debug({ err: error.message, from: error.rinfo?.address }, 'SNMP request refused');
    };
    const agent = snmp.createAgent(
      { port: this.options.port || 161, address: this.options.address, dgramModule, accessControlModelType: snmp.AccessControlModelType.None },
      callback,
    ) as NetSnmpAgent;
    const socket = created as dgram.Socket | null;
    if (!socket) throw new Error('net-snmp did not create its socket');
    await new Promise<void>((resolve, reject) => {
      socket.once('listening', resolve);
      socket.once('error', reject);
    });
    this.agent = agent;
    this.socket = socket;
    for (const definition of providerDefinitions()) {
      const withHandler: ProviderDefinition =
        definition.name === 'consoleUptime'
          ? {
              ...definition,
              handler: (request) => {
                request.instanceNode.value = timeTicks(Date.now() - this.options.startedAt.getTime());
                request.done();
              },
            }
          : definition;
      agent.getMib().registerProvider(withHandler);
    }
    return socket.address().port;
  }

  applyCredentials(credentials: SnmpAgentCredentials): void {
    const authorizer = this.requireAgent().getAuthorizer();
    for (const community of [...authorizer.getCommunities()]) authorizer.deleteCommunity(community);
    for (const user of [...authorizer.getUsers()]) authorizer.deleteUser(user.name);
    if (credentials.community !== '') authorizer.addCommunity(credentials.community);
    for (const user of credentials.users) {
      authorizer.addUser({
        name: user.name,
        level: snmp.SecurityLevel.authPriv,
        authProtocol: user.authProtocol === 'sha256' ? snmp.AuthProtocols.sha256 : snmp.AuthProtocols.sha,
        authKey: user.authKey,
        privProtocol: snmp.PrivProtocols.aes,
        privKey: user.privKey,
      });
    }
    this.allowed = managerFilter(credentials.allowedManagers);
  }

  setScalar(name: ScalarName, value: string | number): void {
    this.guard(`scalar ${name}`, () => this.requireAgent().getMib().setScalarValue(name, value));
  }

  /** Replaces a table's content with `rows` (key → values after the index), touching only what changed. */
  syncTable(table: TableName, rows: Array<{ key: string; values: Array<string | number> }>): void {
    const mib = this.requireAgent().getMib();
    const indexes = this.indexes[table];
    const written = this.rows[table];
    const seen = new Set<number>();
    for (const { key, values } of rows) {
      let index = indexes.get(key);
      if (index === undefined) {
        index = this.nextIndex[table]++;
        indexes.set(key, index);
      }
      seen.add(index);
      const row: TableRow = [index, ...values];
      const previous = written.get(index);
      if (!previous) {
        if (this.guard(`${table} row ${index}`, () => mib.addTableRow(table, row))) written.set(index, row);
        continue;
      }
      row.forEach((value, column) => {
        if (column === 0 || previous[column] === value) return;
        if (this.guard(`${table} row ${index} column ${column + 1}`, () => mib.setTableSingleCell(table, column + 1, [index], value))) previous[column] = value;
      });
    }
    for (const [key, index] of indexes) {
      if (seen.has(index)) continue;
      indexes.delete(key);
      if (written.delete(index)) this.guard(`${table} row ${index} removal`, () => mib.deleteTableRow(table, [index]));
    }
  }

  /** Sets one cell of the row for `key` (column numbers as in the MIB); false when there is no such row yet. */
  setCell(table: TableName, key: string, column: number, value: string | number): boolean {
    const index = this.indexes[table].get(key);
    const row = index === undefined ? undefined : this.rows[table].get(index);
    if (index === undefined || !row) return false;
    if (row[column - 1] === value) return true;
    const mib = this.requireAgent().getMib();
    if (!this.guard(`${table} row ${index} column ${column}`, () => mib.setTableSingleCell(table, column, [index], value))) return false;
    row[column - 1] = value;
    return true;
  }

  async close(): Promise<void> {
    const agent = this.agent;
    this.agent = null;
    this.socket = null;
    if (agent) await new Promise<void>((resolve) => agent.close(() => resolve()));
  }

  private requireAgent(): NetSnmpAgent {
    if (!this.agent) throw new Error('The SNMP agent is not running');
    return this.agent;
  }

  /** A value the MIB refuses is logged and skipped: the agent keeps answering with the rest. */
  private guard(what: string, write: () => void): boolean {
    try {
      write();
      return true;
    } catch (error) {
      this.options.logger.warn({ err: error, what }, 'SNMP value refused');
      return false;
    }
  }
}

