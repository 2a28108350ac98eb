/** What every forwarding action form gets: its config, a setter, the server's problem for a field. */
export interface ActionFormProps {
  config: Record<string, unknown>;
  set: (field: string, value: unknown) => void;
  /** The server's message for `actions.N.config.<field>`. */
  problem: (field: string) => string | undefined;
  /** Secret fields the server had stored when the editor opened. */
  storedSecrets: ReadonlySet<string>;
  disabled: boolean;
}

export function textOf(config: Record<string, unknown>, field: string): string {
  const value = config[field];
  return typeof value === 'string' ? value : '';
}

export function numberOf(config: Record<string, unknown>, field: string, fallback: number): number | string {
  const value = config[field];
  return typeof value === 'number' || typeof value === 'string' ? value : fallback;
}

/** A number input's value as the API wants it: a number, or the text so the server names the problem. */
export function toNumber(value: number | string): number | string {
  return typeof value === 'number' ? value : value.trim() === '' ? value : Number.isFinite(Number(value)) ? Number(value) : value;
}

/** Optional text: '' is sent as null. */
export function orNull(value: string): string | null {
  return value.trim() === '' ? null : value;
}
