/**
 * The SNMP health agent module: the agent on GARRISON_SNMP_PORT (UDP), its
 * settings API (/api/v1/snmp-agent) and the refresh that keeps its values
 * current. Values come from the component registry (the same one behind
 * /api/v1/health and `system sanity`, re-served on every component change) and
 * from the fleet: a presence event updates its sensor's row and the counts at
 * once, and a health report its last-seen and clock-drift cells (a reconnect
 * storm must not become a storm of fleet reads); enrolments, revocations and
 * moves trigger a re-read; and the whole fleet is re-read periodically for what
 * no event announces (renames, renewed certificates, days left, writes made
 * behind the fleet module's back): every 30 seconds, or less often when a read
 * is slow, so that those reads take at most 2% of the time. On the embedded
 * database a read of 5,000 sensors costs 1.5–5 s of its time, and at every 30
 * seconds that was a tenth of it, landing in the middle of zone pushes.
 * Changes that arrive while a read is in flight are applied on top of its
 * result rather than by reading again: during a link storm presence changes
 * never stop, and re-reading after each read kept the database busy with
 * back-to-back fleet reads.
 * The agent is the 'snmp' component.
 *
 * Several console instances each run an agent; settings saved on one reach the
 * others at their next full refresh (the stored revision is compared each time);
 * a presence change made on another instance also shows there only then.
 */
import type { ConsoleContext, ConsoleModule } from '../platform/console-module.js';
import type { SensorHealthReported, SensorPresenceChanged } from '../modules/fleet/fleet-events.js';
import type { SensorState } from '../modules/fleet/sensor-model.js';
import { CONSOLE_STATE_VALUES, COMPONENT_STATE_VALUES, SENSOR_STATE_VALUES } from './garrison-mib.js';
import { FleetSnapshotReader, NO_BACKUP } from './fleet-snapshot.js';
import { SnmpAgent } from './snmp-agent.js';
import { snmpAgentRoutes } from './snmp-agent-routes.js';
import { SnmpAgentSettingsStore } from './snmp-agent-settings.js';
import { displayString, gauge32, integer32, timeTicks } from './snmp-values.js';

export interface SnmpAgentService {
  /** The UDP port actually listened on (config may say 0 in tests); throws before start. */
  port(): number;
}

declare module '../platform/console-module.js' {
  interface ConsoleServices {
    snmpAgent: SnmpAgentService;
  }
}

/** The shortest time between two periodic re-reads of the whole fleet (names, certificates, anything no event said) (ms). */
const REFRESH_INTERVAL_MS = 30_000;
/** Periodic re-reads take at most this share of the time: the wait after one grows with how long it took. */
const PERIODIC_REFRESH_SHARE = 0.02;
/** sensorTable columns patched from events (numbers as in the MIB). */
const STATE_COLUMN = 5;
const LAST_SEEN_COLUMN = 7;
const CLOCK_DRIFT_COLUMN = 10;
/** Enrolments, revocations and moves coalesce for this long before a re-read, so a burst is one read. */
const EVENT_DEBOUNCE_MS = 500;
/**
 * At most this share of the time goes to re-reads caused by events: a re-read reads every sensor, so while
 * 5,000 sensors enrol one after another (about 1 s per read on the embedded database), reads 500 ms apart
 * would keep the database busy with them for most of the enrolment. The wait grows with the last read's time.
 */
const EVENT_REFRESH_SHARE = 0.1;

export function createSnmpModule(context: ConsoleContext): ConsoleModule {
  const logger = context.logger.child({ module: 'snmp' });
  const { config, components } = context;
  const store = new SnmpAgentSettingsStore(context.db, context.secretBox);
  const fleet = new FleetSnapshotReader(context.connection);
  let agent: SnmpAgent | null = null;
  let port: number | null = null;
  let appliedRevision = -1;
  let timer: NodeJS.Timeout | null = null;
  let debounce: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let again = false;
  let lastFleetReadMs = 0;
  const unsubscribe: Array<() => void> = [];
  /** Each sensor's state as last served, so a presence event updates one cell and the counts without a read. */
  const states = new Map<string, SensorState>();
  /**
   * While a fleet read is in flight: the cells events changed meanwhile (sensor id → column → value) and the
   * states, applied on top of the read's result, which may predate them.
   */
  let changedDuringRead: { cells: Map<string, Map<number, string | number>>; states: Map<string, SensorState> } | null = null;
  /**
   * The newest health report per sensor (last seen as served, clock drift): the database gets health spaced out on
   * large fleets (link/presence-tracker.ts), so a fleet read may hold an older one, which must not replace it.
   */
  const reportedHealth = new Map<string, { lastSeen: string; clockDriftMs: number }>();

  context.services.provide('snmpAgent', {
    port() {
      if (port === null) throw new Error('The SNMP agent is not listening yet');
      return port;
    },
  });

  async function applySettings(force: boolean): Promise<void> {
    if (!agent) return;
    const credentials = await store.credentials();
    if (!force && credentials.revision === appliedRevision) return;
    agent.applyCredentials(credentials);
    appliedRevision = credentials.revision;
    logger.info({ revision: credentials.revision, v2c: credentials.community !== '', users: credentials.users.length, allowedManagers: credentials.allowedManagers.length }, 'SNMP agent settings applied');
  }

  function refreshConsole(target: SnmpAgent): void {
    const now = Date.now();
    target.setScalar('consoleVersion', displayString(context.version));
    // Its instance must exist before a request; the provider's handler then answers with the current uptime.
    target.setScalar('consoleUptime', timeTicks(now - context.startedAt.getTime()));
    target.setScalar('consoleState', CONSOLE_STATE_VALUES[components.overall()]);
    target.setScalar('consoleLastBackupResult', NO_BACKUP);
    target.setScalar('consoleLastBackupTime', NO_BACKUP);
    target.syncTable(
      'componentTable',
      components.list().map((component) => ({
        key: component.name,
        values: [
          displayString(component.name),
          COMPONENT_STATE_VALUES[component.state],
          timeTicks(component.state === 'up' && component.upSince ? now - component.upSince.getTime() : 0),
          displayString(component.detail),
        ],
      })),
    );
  }

  async function refreshOnce(): Promise<void> {
    const target = agent;
    if (!target) return;
    const started = performance.now();
    refreshConsole(target);
    try {
      await applySettings(false);
      const readStarted = performance.now();
      const changed = { cells: new Map<string, Map<number, string | number>>(), states: new Map<string, SensorState>() };
      changedDuringRead = changed;
      let snapshot: Awaited<ReturnType<FleetSnapshotReader['read']>>;
      try {
        snapshot = await fleet.read();
      } finally {
        // In the same turn as the table update below: an event between the two would be lost.
        changedDuringRead = null;
      }
      lastFleetReadMs = performance.now() - readStarted;
      if (agent !== target) return;
      states.clear();
      const read = new Set(snapshot.sensors.map((sensor) => sensor.id));
      for (const sensorId of reportedHealth.keys()) if (!read.has(sensorId)) reportedHealth.delete(sensorId);
      for (const sensor of snapshot.sensors) {
        const reported = reportedHealth.get(sensor.id);
        // ISO 8601 times in UTC compare as text; 'never' sorts after digits but only stands for no report at all.
        const readLastSeen = String(sensor.values[LAST_SEEN_COLUMN - 2]);
        if (reported && (readLastSeen === 'never' || reported.lastSeen > readLastSeen)) {
          sensor.values[LAST_SEEN_COLUMN - 2] = reported.lastSeen;
          sensor.values[CLOCK_DRIFT_COLUMN - 2] = reported.clockDriftMs;
        }
        for (const [column, value] of changed.cells.get(sensor.id) ?? []) sensor.values[column - 2] = value;
        states.set(sensor.id, changed.states.get(sensor.id) ?? sensor.state);
      }
      // A sensor that changed during the read but was not in it (enrolled meanwhile) needs a read of its own.
      if ([...changed.states.keys()].some((sensorId) => !states.has(sensorId))) refreshSoon();
      setCounts(target);
      // First-seen order, and enrolment order at start, keeps a sensor's index stable while the console runs.
      const ordered = snapshot.sensors.sort((a, b) => a.enrolledAt.getTime() - b.enrolledAt.getTime() || a.id.localeCompare(b.id));
      target.syncTable('sensorTable', ordered.map((sensor) => ({ key: sensor.id, values: sensor.values })));
      logger.debug({ sensors: snapshot.counts.total, ms: Math.round(performance.now() - started) }, 'SNMP values refreshed');
      components.set('snmp', 'up', `SNMP agent on udp ${config.bindAddress}:${port}`);
    } catch (error) {
      if (agent !== target) return;
      logger.warn({ err: error }, 'SNMP agent could not refresh the fleet');
      components.set('snmp', 'degraded', `serving stale sensor values: ${(error as Error).message}`);
    }
  }

  function setCounts(target: SnmpAgent): void {
    const counts = { connected: 0, unreachable: 0, disconnected: 0 };
    for (const state of states.values()) if (state in counts) counts[state as keyof typeof counts] += 1;
    target.setScalar('sensorsTotal', gauge32(states.size));
    target.setScalar('sensorsConnected', gauge32(counts.connected));
    target.setScalar('sensorsUnreachable', gauge32(counts.unreachable));
    target.setScalar('sensorsDisconnected', gauge32(counts.disconnected));
  }

  /** Keeps a cell for the result of the read in flight, if any (it may predate the change). */
  function keepForRead(sensorId: string, column: number, value: string | number): void {
    if (!changedDuringRead) return;
    const cells = changedDuringRead.cells.get(sensorId) ?? new Map<number, string | number>();
    changedDuringRead.cells.set(sensorId, cells.set(column, value));
  }

  /** Sets a sensor's cell now, and over the result of a read in flight. */
  function patchCell(target: SnmpAgent, sensorId: string, column: number, value: string | number): void {
    target.setCell('sensorTable', sensorId, column, value);
    keepForRead(sensorId, column, value);
  }

  /** A presence change is applied from the event itself: a reconnect storm must not turn into a storm of fleet reads. */
  function onPresence(change: SensorPresenceChanged): void {
    if (!agent) return;
    const stateValue = SENSOR_STATE_VALUES[change.current];
    if (!states.has(change.sensorId)) {
      // Not in the table (enrolled since the last read): a read brings its whole row. One in flight may have it, with
      // this change on top (the counts wait for it); otherwise, or if it does not, a read of its own follows.
      if (!changedDuringRead) return refreshSoon();
      changedDuringRead.states.set(change.sensorId, change.current);
      keepForRead(change.sensorId, STATE_COLUMN, stateValue);
      if (change.current === 'connected') keepForRead(change.sensorId, LAST_SEEN_COLUMN, displayString(change.at));
      return;
    }
    states.set(change.sensorId, change.current);
    changedDuringRead?.states.set(change.sensorId, change.current);
    patchCell(agent, change.sensorId, STATE_COLUMN, stateValue);
    if (change.current === 'connected') patchCell(agent, change.sensorId, LAST_SEEN_COLUMN, displayString(change.at));
    setCounts(agent);
  }

  /** A health report moves the sensor's last seen and clock drift, without a read; a later read keeps it unless newer. */
  function onHealth(report: SensorHealthReported): void {
    if (!agent) return;
    const reported = { lastSeen: displayString(report.at), clockDriftMs: integer32(report.clockSkewMs) };
    reportedHealth.set(report.sensorId, reported);
    agent.setCell('sensorTable', report.sensorId, LAST_SEEN_COLUMN, reported.lastSeen);
    agent.setCell('sensorTable', report.sensorId, CLOCK_DRIFT_COLUMN, reported.clockDriftMs);
  }

  /** The next periodic re-read: REFRESH_INTERVAL_MS after the last, or later when reads are slow. */
  function schedulePeriodic(): void {
    const waitMs = Math.max(REFRESH_INTERVAL_MS, lastFleetReadMs / PERIODIC_REFRESH_SHARE);
    const scheduled = setTimeout(() => {
      void refresh().finally(() => {
        if (agent && timer === scheduled) schedulePeriodic();
      });
    }, waitMs);
    scheduled.unref();
    timer = scheduled;
  }

  /** One refresh at a time; a request during one runs once more after it. */
  function refresh(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = refreshOnce().finally(() => {
      running = null;
      if (again) {
        again = false;
        void refresh();
      }
    });
    return running;
  }

  function refreshSoon(): void {
    if (debounce) return;
    const waitMs = Math.max(EVENT_DEBOUNCE_MS, (lastFleetReadMs * (1 - EVENT_REFRESH_SHARE)) / EVENT_REFRESH_SHARE);
    debounce = setTimeout(() => {
      debounce = null;
      void refresh();
    }, waitMs);
    debounce.unref();
  }

  return {
    name: 'snmp',
    apiRouters: [snmpAgentRoutes({ catalogue: context.apiRoutes, store, audit: () => context.services.get('audit'), apply: () => applySettings(true) })],
    async start() {
      components.set('snmp', 'starting');
      const started = new SnmpAgent({ port: config.snmpPort, address: config.bindAddress, logger, startedAt: context.startedAt });
      try {
        port = await started.start();
      } catch (error) {
        components.set('snmp', 'down', `cannot listen on udp ${config.bindAddress}:${config.snmpPort}: ${(error as Error).message}`);
        throw error;
      }
      agent = started;
      await applySettings(true);
      await refresh();
      for (const event of ['sensor.enrolled', 'sensor.revoked', 'sensor.placement-changed'] as const) unsubscribe.push(context.events.on(event, refreshSoon));
      unsubscribe.push(context.events.on('sensor.presence-changed', onPresence));
      unsubscribe.push(context.events.on('sensor.health-reported', onHealth));
      unsubscribe.push(
        context.events.on('component.changed', () => {
          if (agent) refreshConsole(agent);
        }),
      );
      schedulePeriodic();
      logger.info({ port }, 'SNMP agent listening');
    },
    async stop() {
      for (const off of unsubscribe.splice(0)) off();
      if (timer) clearTimeout(timer);
      if (debounce) clearTimeout(debounce);
      // A fleet read in flight (seconds at 5,000 sensors) does not hold the stop: it finds the agent gone and drops its result.
      again = false;
      const stopping = agent;
      agent = null;
      await stopping?.close();
      components.set('snmp', 'stopped');
    },
  };
}
