/**
 * Every value the agent serves passes through one of these first. net-snmp
 * validates values when they are stored, but a value of the wrong shape that
 * slips into the MIB can throw while a response is being encoded, inside the
 * UDP message handler, which takes the whole console down (a Counter64 given as
 * a number is the known case: it must be an 8-byte Buffer). So: no raw value
 * reaches the MIB; each coercion below always returns something valid.
 */
const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;
const UINT32_MAX = 4_294_967_295;

function finite(value: unknown): number | null {
  const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  return Number.isFinite(number) ? number : null;
}

export function integer32(value: unknown, fallback = 0): number {
  const number = finite(value);
  if (number === null) return fallback;
  return Math.min(INT32_MAX, Math.max(INT32_MIN, Math.trunc(number)));
}

export function gauge32(value: unknown): number {
  const number = finite(value);
  if (number === null) return 0;
  return Math.min(UINT32_MAX, Math.max(0, Math.trunc(number)));
}

/** Milliseconds → TimeTicks (hundredths of a second), wrapping as sysUpTime does after ~497 days. */
export function timeTicks(milliseconds: unknown): number {
  const number = finite(milliseconds);
  if (number === null || number < 0) return 0;
  return Math.trunc(number / 10) % (UINT32_MAX + 1);
}

/** DisplayString (RFC 2579): printable ASCII, at most 255 characters. */
export function displayString(value: unknown, fallback = ''): string {
  if (value === null || value === undefined) return fallback;
  const text = value instanceof Date ? (Number.isNaN(value.getTime()) ? fallback : value.toISOString()) : String(value);
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 255);
}
