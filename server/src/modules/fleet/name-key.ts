/**
 * The case-insensitive key under which sensor, site and zone names are unique.
 * FerretDB has no collations, so uniqueness is enforced by a unique index on this
 * lower-cased copy of the name.
 */
export function nameKeyOf(name: string): string {
  return name.trim().normalize('NFC').toLowerCase();
}
