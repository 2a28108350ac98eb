/**
 * Reads keys in batches with at most one read in flight: the keys asked for
 * in one turn of the event loop while the database is idle are read together
 * in the next turn; keys asked for while a read runs wait for it and then go
 * together in the next read. The batch
 * grows with the load by itself: one lookup per handshake when sensors link
 * one by one, a few reads of hundreds during a reconnect storm, where one
 * read per handshake would queue on the embedded database's one connection.
 */
export class PipelinedBatch<K, V> {
  private waiting: Array<{ key: K; resolve: (value: V) => void; reject: (error: unknown) => void }> = [];
  private reading = 0;
  private scheduled = false;
  private smoothedReadMs = 0;

  constructor(
    private readonly readMany: (keys: K[]) => Promise<V[]>,
    private readonly maxKeys: number,
  ) {}

  /** Keys waiting or being read. */
  get size(): number {
    return this.waiting.length + this.reading;
  }

  /** About how long a key asked for now would wait for its value (ms): the read in flight, then its own. */
  expectedWaitMs(): number {
    const readsAhead = (this.reading > 0 ? 1 : 0) + Math.ceil((this.waiting.length + 1) / this.maxKeys);
    return readsAhead * this.smoothedReadMs;
  }

  /**
   * Whether a key asked for now should be taken, for callers that shed load: yes when the expected wait is
   * within `maxWaitMs`, and always when nothing is waiting or being read. The estimate only changes when a read
   * finishes, so an idle batch that refused on the strength of one slow read long ago would never read again
   * and refuse every key from then on: in a loaded 5,000-sensor link run, 2,906 sensors stayed refused for
   * minutes.
   */
  admits(maxWaitMs: number): boolean {
    return this.size === 0 || this.expectedWaitMs() <= maxWaitMs;
  }

  load(key: K): Promise<V> {
    return new Promise<V>((resolve, reject) => {
      this.waiting.push({ key, resolve, reject });
      if (this.reading > 0 || this.scheduled) return;
      // Everything asked for in this turn (a zone's sensors from one event) goes in one read.
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.next();
      });
    });
  }

  private next(): void {
    if (this.reading > 0 || this.waiting.length === 0) return;
    const batch = this.waiting.splice(0, this.maxKeys);
    this.reading = batch.length;
    const startedAt = performance.now();
    const settle = (finish: () => void) => {
      this.smoothedReadMs = 0.7 * this.smoothedReadMs + 0.3 * (performance.now() - startedAt);
      this.reading = 0;
      finish();
      this.next();
    };
    this.readMany(batch.map((entry) => entry.key)).then(
      (values) => settle(() => batch.forEach((entry, index) => entry.resolve(values[index] as V))),
      (error: unknown) => settle(() => batch.forEach((entry) => entry.reject(error))),
    );
  }
}
