/**
 * Site/zone scope of a user (what the old console called access groups).
 *
 * A user with a scope sees and acts on only the sites and zones it names: a site
 * in `siteIds` covers the site itself, every zone in it and every sensor in
 * those zones; a zone in `zoneIds` covers that zone and its sensors. Unassigned
 * sensors and console-wide things (a new site, the global settings) are outside
 * every scope. A user without a scope (null) sees the whole fleet.
 *
 * Routes ask `scopeOf(req)` (null: unrestricted) and check what they touch with
 * `scope.require(placement, what)`, which refuses with 403 naming the scope;
 * lists are filtered with `scope.covers(placement)` or, better, in the query
 * itself (the sensors and system-event lists), so a page is never cut short.
 *
 * Console-wide things a scope cannot cut a part of (forwarding rules and
 * deliveries, the mail server, the audit trail) need a user without a scope:
 * `requireUnscoped(req, what)` refuses a scoped one with 403 naming why.
 */
import type { Request } from 'express';
import { AppError } from '../platform/errors.js';
import { principalOf } from './auth.js';

/** Where a thing sits in the fleet: a sensor (both, or neither when Unassigned), a zone (both), a site (siteId only). */
export interface Placement {
  siteId: string | null;
  zoneId: string | null;
}

/** Looks placements up for scope checks; the fleet module provides it as the `placements` service. */
export interface PlacementLookup {
  /** A sensor's site and zone, or null when there is no such sensor. */
  ofSensor(sensorId: string): Promise<Placement | null>;
  /** Placements of several sensors; unknown ids are missing from the map. */
  ofSensors(sensorIds: string[]): Promise<Map<string, Placement>>;
  /** A zone's site, as a placement, or null when there is no such zone. */
  ofZone(zoneId: string): Promise<Placement | null>;
  /** Placements of several zones; unknown ids are missing from the map. */
  ofZones(zoneIds: string[]): Promise<Map<string, Placement>>;
}

export class AccessScope {
  readonly siteIds: ReadonlySet<string>;
  readonly zoneIds: ReadonlySet<string>;

  constructor(scope: { siteIds: readonly string[]; zoneIds: readonly string[] }) {
    this.siteIds = new Set(scope.siteIds);
    this.zoneIds = new Set(scope.zoneIds);
  }

  /** True when the placement lies within the scope (a zone of the scope, or anything in a site of the scope). */
  covers(placement: Placement): boolean {
    return (placement.zoneId !== null && this.zoneIds.has(placement.zoneId)) || (placement.siteId !== null && this.siteIds.has(placement.siteId));
  }

  /** Throws 403 naming the scope unless the placement is covered; `null` (not found) counts as outside. */
  require(placement: Placement | null, what: string): void {
    if (placement === null || !this.covers(placement)) throw this.refusal(what);
  }

  /** The 403 for `what` (a sentence subject: 'Sensor 1f…', 'A new site'). */
  refusal(what: string): AppError {
    return new AppError('forbidden', `${what} is outside your access scope (${this.describe()}).`, {
      scope: { siteIds: [...this.siteIds], zoneIds: [...this.zoneIds] },
    });
  }

  /** The 403 for console-wide `what` (a plural sentence subject: 'Forwarding rules', 'Audit records'). */
  consoleWideRefusal(what: string): AppError {
    return new AppError(
      'forbidden',
      `${what} span the whole console, so they are outside your access scope (${this.describe()}): only a user without a site/zone scope may use them.`,
      { scope: { siteIds: [...this.siteIds], zoneIds: [...this.zoneIds] } },
    );
  }

  describe(): string {
    const list = (ids: ReadonlySet<string>) => (ids.size === 0 ? 'none' : [...ids].join(', '));
    return `sites: ${list(this.siteIds)}; zones: ${list(this.zoneIds)}`;
  }
}

/** The scope of the request's principal; null when it may see the whole fleet. */
export function scopeOf(req: Request): AccessScope | null {
  const { scope } = principalOf(req);
  return scope === null ? null : new AccessScope(scope);
}

/** Refuses (403) a user with a site/zone scope: `what` (plural) is console-wide. */
export function requireUnscoped(req: Request, what: string): void {
  const scope = scopeOf(req);
  if (scope) throw scope.consoleWideRefusal(what);
}
