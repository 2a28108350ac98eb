/**
 * Background jobs on agenda 6 with its MongoDB backend, on the console's own
 * database. Each job kind lives in one file (`<module>/jobs/<kind>-job.ts`) as a
 * `JobKind`, and all kinds are registered in one place (server/src/job-kinds.ts).
 *
 * Contract for a kind: its handler is idempotent (a job can run twice: after a
 * crash agenda re-runs a job whose lock expired) and its data is validated with
 * the kind's schema before the handler sees it (job data comes back from the
 * database, so it is a boundary like any other).
 */
import { Agenda, type Job } from 'agenda';
import { MongoBackend } from '@agendajs/mongo-backend';
import type { Db } from 'mongodb';
import type { z } from 'zod';
import type { Logger } from '../logger.js';
import type { ComponentRegistry } from '../components.js';
import { summarizeProblems, fieldProblems } from '../validation.js';

export interface JobKind<Schema extends z.ZodType = z.ZodType> {
  /** Stable name stored in the database, kebab-case: `console-heartbeat`. */
  name: string;
  data: Schema;
  /** How many of this kind may run at once in one console process. */
  concurrency?: number;
  /**
   * How long a job's lock lasts without a touch. The scheduler touches the lock
   * while the handler runs, so long jobs (backups) need no bigger value; a crashed
   * instance's job is taken over after at most this long.
   */
  lockLifetimeMs?: number;
  run(data: z.output<Schema>, job: { id: string; attempt: number }): Promise<void>;
}

export interface JobSchedulerOptions {
  db: Db;
  logger: Logger;
  components: ComponentRegistry;
  /** Identifies this console instance in job locks (`lastModifiedBy`). */
  instanceName: string;
  /** How often agenda polls for due jobs. */
  processEveryMs?: number;
}

export const SCHEDULER_COMPONENT = 'scheduler';

/**
 * Short on purpose: agenda keeps a timer of half the lock lifetime pending after
 * each job (its liveness check is not cancelled when the job ends), which holds a
 * stopping process open that long. Handlers are kept alive by touches instead.
 */
const DEFAULT_LOCK_LIFETIME_MS = 30_000;

export class JobScheduler {
  private readonly agenda: Agenda;
  private readonly logger: Logger;
  private readonly kinds = new Map<string, JobKind>();
  private started = false;

  constructor(private readonly options: JobSchedulerOptions) {
    this.logger = options.logger.child({ component: SCHEDULER_COMPONENT });
    this.agenda = new Agenda({
      backend: new MongoBackend({ mongo: options.db, collection: 'jobs' }),
      name: options.instanceName,
      processEvery: options.processEveryMs ?? 2000,
      maxConcurrency: 20,
      defaultConcurrency: 4,
      defaultLockLifetime: DEFAULT_LOCK_LIFETIME_MS,
    });
    this.agenda.on('error', (error) => {
      this.logger.error({ err: error }, 'job scheduler error');
      options.components.set(SCHEDULER_COMPONENT, 'degraded', `Scheduler error: ${error.message}`);
    });
    this.agenda.on('fail', (error, job) => {
      this.logger.warn({ err: error, job: job.attrs.name, jobId: String(job.attrs._id) }, 'job failed');
    });
  }

  register<Schema extends z.ZodType>(kind: JobKind<Schema>): void {
    if (this.kinds.has(kind.name)) throw new Error(`Job kind "${kind.name}" is registered twice`);
    if (this.started) throw new Error(`Job kind "${kind.name}" registered after the scheduler started`);
    this.kinds.set(kind.name, kind as unknown as JobKind);
    this.agenda.define(
      kind.name,
      async (job: Job<unknown>) => {
        const parsed = kind.data.safeParse(job.attrs.data ?? {});
        if (!parsed.success) {
          // Bad data will not get better on retry: record it and finish the job.
          this.logger.error({ job: kind.name, problems: summarizeProblems(fieldProblems(parsed.error)) }, 'job data is not valid; job skipped');
          return;
        }
        const lockLifetime = kind.lockLifetimeMs ?? DEFAULT_LOCK_LIFETIME_MS;
        const keepAlive = setInterval(() => {
          job.touch().catch((error: unknown) => this.logger.warn({ err: error, job: kind.name }, 'could not extend a job lock'));
        }, lockLifetime / 3);
        try {
          await kind.run(parsed.data, { id: String(job.attrs._id), attempt: (job.attrs.failCount ?? 0) + 1 });
        } finally {
          clearInterval(keepAlive);
        }
      },
      { concurrency: kind.concurrency ?? 1, lockLifetime: kind.lockLifetimeMs ?? DEFAULT_LOCK_LIFETIME_MS },
    );
  }

  async start(): Promise<void> {
    this.options.components.set(SCHEDULER_COMPONENT, 'starting');
    await this.agenda.start();
    this.started = true;
    this.options.components.set(SCHEDULER_COMPONENT, 'up', `${this.kinds.size} job kinds`);
  }

  private kind(name: string): JobKind {
    const kind = this.kinds.get(name);
    if (!kind) throw new Error(`Unknown job kind "${name}"`);
    return kind;
  }

  /** A recurring job (one per kind and unique key: calling it again updates the schedule). */
  async every<Schema extends z.ZodType>(interval: string | number, kind: JobKind<Schema>, data: z.input<Schema>, timezone?: string): Promise<void> {
    this.kind(kind.name);
    await this.agenda.every(interval, kind.name, kind.data.parse(data), { skipImmediate: true, ...(timezone ? { timezone } : {}) });
  }

  /** Run once as soon as a worker is free. */
  async now<Schema extends z.ZodType>(kind: JobKind<Schema>, data: z.input<Schema>): Promise<void> {
    this.kind(kind.name);
    await this.agenda.now(kind.name, kind.data.parse(data));
  }

  /** Run once at a given time. */
  async at<Schema extends z.ZodType>(when: Date, kind: JobKind<Schema>, data: z.input<Schema>): Promise<void> {
    this.kind(kind.name);
    await this.agenda.schedule(when, kind.name, kind.data.parse(data));
  }

  /** Stop taking new jobs and wait (up to `timeoutMs`) for running ones to finish. */
  async drain(timeoutMs: number): Promise<void> {
    if (!this.started) return;
    this.started = false;
    const result = await this.agenda.drain({ timeout: timeoutMs, closeConnection: false });
    if (result.timedOut) {
      this.logger.warn({ running: result.running }, 'jobs still running at shutdown; their locks will expire and another run will pick them up');
      await this.agenda.stop(false);
    }
    this.options.components.set(SCHEDULER_COMPONENT, 'stopped');
  }
}
