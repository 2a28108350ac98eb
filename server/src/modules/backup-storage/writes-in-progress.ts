/**
 * The `.partial` files this process is writing right now, keyed by where they
 * live (`<driver description>/<name>.partial`). `removeStalePartials()` skips
 * them: a partial is stale only when nobody in this process still writes it
 * (a crash, an abort that could not reach the share).
 */
const inProgress = new Set<string>();

export const writesInProgress = {
  add(key: string): void {
    inProgress.add(key);
  },
  delete(key: string): void {
    inProgress.delete(key);
  },
  has(key: string): boolean {
    return inProgress.has(key);
  },
};
