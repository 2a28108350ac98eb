/**
 * The agent's objects, as net-snmp provider definitions. GARRISON-MIB.txt
 * describes the same tree for managers; the numbers here and there must agree
 * (snmp-agent.test.ts walks the tree with Debian's snmpwalk by number).
 *
 *   garrisonAgent (1.3.6.1.4.1.61337.1)
 *     .1 garrisonConsole  version, uptime, state, last backup, componentTable (.10)
 *     .2 garrisonFleet    sensor counts by state, sensorTable (.10)
 */
import snmp from 'net-snmp';
import { GARRISON_AGENT_OID } from '../modules/notifications/garrison-oids.js';
import type { SensorState } from '../modules/fleet/sensor-model.js';
import type { ComponentState } from '../platform/components.js';

export const CONSOLE_OID = `${GARRISON_AGENT_OID}.1`;
export const FLEET_OID = `${GARRISON_AGENT_OID}.2`;
export const COMPONENT_TABLE_OID = `${CONSOLE_OID}.10`;
export const SENSOR_TABLE_OID = `${FLEET_OID}.10`;

/** Scalar providers by name → (OID below the agent root, type). */
export const SCALARS = {
  consoleVersion: { oid: `${CONSOLE_OID}.1`, type: snmp.ObjectType.OctetString },
  consoleUptime: { oid: `${CONSOLE_OID}.2`, type: snmp.ObjectType.TimeTicks },
  consoleState: { oid: `${CONSOLE_OID}.3`, type: snmp.ObjectType.Integer },
  consoleLastBackupResult: { oid: `${CONSOLE_OID}.4`, type: snmp.ObjectType.OctetString },
  consoleLastBackupTime: { oid: `${CONSOLE_OID}.5`, type: snmp.ObjectType.OctetString },
  sensorsTotal: { oid: `${FLEET_OID}.1`, type: snmp.ObjectType.Gauge32 },
  sensorsConnected: { oid: `${FLEET_OID}.2`, type: snmp.ObjectType.Gauge32 },
  sensorsUnreachable: { oid: `${FLEET_OID}.3`, type: snmp.ObjectType.Gauge32 },
  sensorsDisconnected: { oid: `${FLEET_OID}.4`, type: snmp.ObjectType.Gauge32 },
} as const;
export type ScalarName = keyof typeof SCALARS;

export const CONSOLE_STATE_VALUES = { up: 1, degraded: 2, down: 3 } as const;

export const COMPONENT_STATE_VALUES: Record<ComponentState, number> = { starting: 1, up: 2, degraded: 3, down: 4, stopped: 5 };

export const SENSOR_STATE_VALUES: Record<SensorState, number> = {
  'never-connected': 1,
  connected: 2,
  unreachable: 3,
  disconnected: 4,
  revoked: 5,
};

const { OctetString, Integer, TimeTicks } = snmp.ObjectType;

/** Column order is row order: addTableRow takes the values in this order, index first. */
export const COMPONENT_COLUMNS = [
  { number: 1, name: 'componentIndex', type: Integer },
  { number: 2, name: 'componentName', type: OctetString },
  { number: 3, name: 'componentState', type: Integer },
  { number: 4, name: 'componentUptime', type: TimeTicks },
  { number: 5, name: 'componentDetail', type: OctetString },
] as const;

export const SENSOR_COLUMNS = [
  { number: 1, name: 'sensorIndex', type: Integer },
  { number: 2, name: 'sensorName', type: OctetString },
  { number: 3, name: 'sensorSite', type: OctetString },
  { number: 4, name: 'sensorZone', type: OctetString },
  { number: 5, name: 'sensorState', type: Integer },
  { number: 6, name: 'sensorVersion', type: OctetString },
  { number: 7, name: 'sensorLastSeen', type: OctetString },
  { number: 8, name: 'sensorLastBackupResult', type: OctetString },
  { number: 9, name: 'sensorLastBackupTime', type: OctetString },
  { number: 10, name: 'sensorClockDriftMs', type: Integer },
  { number: 11, name: 'sensorCertificateDaysLeft', type: Integer },
] as const;

export type TableRow = Array<string | number>;

export const TABLES = {
  componentTable: { oid: COMPONENT_TABLE_OID, columns: COMPONENT_COLUMNS },
  sensorTable: { oid: SENSOR_TABLE_OID, columns: SENSOR_COLUMNS },
} as const;
export type TableName = keyof typeof TABLES;

/** What net-snmp's Mib.registerProvider takes (its typings declare the Mib as `any`). */
export interface ProviderDefinition {
  name: string;
  type: number;
  oid: string;
  maxAccess: number;
  scalarType?: number;
  tableColumns?: Array<{ number: number; name: string; type: number; maxAccess: number }>;
  tableIndex?: Array<{ columnName: string }>;
  handler?: (request: { instanceNode: { value: unknown }; done(): void }) => void;
}

/** Read-only everywhere: the agent answers questions and accepts no SET. Table indexes are not-accessible (SMIv2). */
export function providerDefinitions(): ProviderDefinition[] {
  const readOnly = snmp.MaxAccess['read-only'];
  const scalars = Object.entries(SCALARS).map(([name, scalar]) => ({
    name,
    type: snmp.MibProviderType.Scalar,
    oid: scalar.oid,
    scalarType: scalar.type,
    maxAccess: readOnly,
  }));
  const tables = Object.entries(TABLES).map(([name, table]) => ({
    name,
    type: snmp.MibProviderType.Table,
    oid: `${table.oid}.1`,
    maxAccess: snmp.MaxAccess['not-accessible'],
    tableColumns: table.columns.map((column) => ({
      ...column,
      maxAccess: column.number === 1 ? snmp.MaxAccess['not-accessible'] : readOnly,
    })),
    tableIndex: [{ columnName: table.columns[0].name }],
  }));
  return [...scalars, ...tables];
}
