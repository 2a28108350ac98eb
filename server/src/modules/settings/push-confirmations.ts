/**
 * When the database confirms whom a settings save pushed to.
 *
 * A save pushes from the in-memory sensor list and the database's answer
 * corrects it behind the push (fleet/sensors/scope-members.ts). That read is
 * the confirmation's whole cost, and on the embedded database it is large: at
 * 5,000 sensors the find and its getMores took 3.4 s of database time, in the
 * middle of the push it checks, on the two cores the push needs. Only a write
 * behind the console's back makes it find anything. So it waits until the
 * link's pushes have gone out (the pusher is idle), at most `maxWaitMs` (a
 * sensor that never answers, or a reconnect storm that keeps the pusher busy,
 * does not hold it back longer), and a sensor the memory missed gets its
 * settings that much later.
 *
 * `stop` drops the confirmations still waiting (the sensors get their
 * settings when they link) and waits for the ones reading.
 */
import type { ScopeCorrections } from '../fleet/sensors/scope-members.js';

/** The longest a confirmation waits for the pushes to settle. */
export const CONFIRM_WAIT_MAX_MS = 30_000;

export interface PushConfirmationsOptions {
  /** Resolves once the link has no settings push queued or in flight. */
  pushesSettled: () => Promise<void>;
  maxWaitMs?: number;
}

export class PushConfirmations {
  private readonly running = new Set<Promise<void>>();
  private stopped = false;
  private wakeOnStop: () => void = () => {};
  private readonly stopping = new Promise<void>((resolve) => {
    this.wakeOnStop = resolve;
  });

  constructor(private readonly options: PushConfirmationsOptions) {}

  /** Reads `confirm` once the pushes have settled and hands the answer to `use`; a failed read goes to `failed`. */
  schedule(confirm: () => Promise<ScopeCorrections>, use: (found: ScopeCorrections) => void, failed: (error: unknown) => void): void {
    const run: Promise<void> = this.settled()
      .then(async () => {
        if (!this.stopped) use(await confirm());
      })
      .catch(failed)
      .finally(() => this.running.delete(run));
    this.running.add(run);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeOnStop();
    await Promise.all([...this.running]);
  }

  private async settled(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.maxWaitMs ?? CONFIRM_WAIT_MAX_MS);
    });
    try {
      await Promise.race([this.options.pushesSettled(), late, this.stopping]);
    } finally {
      clearTimeout(timer);
    }
  }
}
