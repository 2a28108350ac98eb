/**
 * Zones: create in a site, rename, describe, delete. A zone that still holds
 * sensors cannot be deleted (move them first). Races with a concurrent site
 * delete or sensor move are settled after the write, because there are no
 * transactions: each side re-checks and undoes itself when it lost.
 */
import { randomUUID } from 'node:crypto';
import { AppError } from '../../../platform/errors.js';
import { isDuplicateKeyError } from '../../../platform/database/database.js';
import { nameKeyOf } from '../name-key.js';
import { countBy, type SensorCounter } from '../placement-counts.js';
import type { SensorModel } from '../sensor-model.js';
import type { SiteDocument, SiteModel } from '../sites/site-model.js';
import type { ZoneDocument, ZoneModel } from './zone-model.js';
import { presentZone, type ZoneView } from './zone-presenter.js';
import type { CreateZoneBody, UpdateZoneBody } from './schema.js';

function sensorsPhrase(count: number): string {
  return count === 1 ? '1 sensor' : `${count} sensors`;
}

export class ZoneService {
  constructor(
    private readonly zones: ZoneModel,
    private readonly sites: SiteModel,
    private readonly sensors: SensorModel,
    /** Sensor counts for lists; the in-memory listing on the embedded database (see sensor-listing.ts). */
    private readonly countSensors: SensorCounter = (field, ids) => countBy(sensors, field, ids),
  ) {}

  async list(filter: { siteId?: string | undefined }): Promise<ZoneView[]> {
    const zones = await this.zones.find(filter.siteId ? { siteId: filter.siteId } : {}).sort({ siteId: 1, nameKey: 1 }).lean<ZoneDocument[]>();
    const siteIds = [...new Set(zones.map((zone) => zone.siteId))];
    const [sites, sensorCounts] = await Promise.all([
      this.sites.find({ _id: { $in: siteIds } }, { name: 1 }).lean<Array<Pick<SiteDocument, '_id' | 'name'>>>(),
      this.countSensors('zoneId', zones.map((zone) => zone._id)),
    ]);
    const siteNames = new Map(sites.map((site) => [site._id, site.name]));
    return zones.map((zone) => presentZone(zone, siteNames.get(zone.siteId) ?? null, sensorCounts.get(zone._id) ?? 0));
  }

  async get(zoneId: string): Promise<ZoneView> {
    return this.present(await this.require(zoneId));
  }

  async require(zoneId: string): Promise<ZoneDocument> {
    const zone = await this.zones.findById(zoneId).lean<ZoneDocument>();
    if (!zone) throw new AppError('not_found', `No zone with id ${zoneId}.`);
    return zone;
  }

  async create(body: CreateZoneBody): Promise<ZoneView> {
    const site = await this.sites.findById(body.siteId, { name: 1 }).lean();
    if (!site) throw new AppError('not_found', `No site with id ${body.siteId}.`, { field: 'siteId' });
    await this.refuseTakenName(body.siteId, body.name, null);
    let zone: ZoneDocument;
    try {
      const created = await this.zones.create({ _id: randomUUID(), siteId: body.siteId, name: body.name, nameKey: nameKeyOf(body.name), description: body.description });
      zone = created.toObject<ZoneDocument>();
    } catch (error) {
      throw isDuplicateKeyError(error) ? this.nameConflict(body.name, site.name) : error;
    }
    if (!(await this.sites.exists({ _id: body.siteId }))) {
      await this.zones.deleteOne({ _id: zone._id });
      throw new AppError('not_found', `Site "${site.name}" was deleted while the zone was being created.`, { field: 'siteId' });
    }
    return presentZone(zone, site.name, 0);
  }

  async update(zoneId: string, body: UpdateZoneBody): Promise<{ before: ZoneView; after: ZoneView }> {
    const before = await this.get(zoneId);
    if (body.name !== undefined) await this.refuseTakenName(before.siteId, body.name, zoneId);
    try {
      const updated = await this.zones
        .findByIdAndUpdate(
          zoneId,
          { $set: { ...(body.name === undefined ? {} : { name: body.name, nameKey: nameKeyOf(body.name) }), ...(body.description === undefined ? {} : { description: body.description }) } },
          { returnDocument: 'after' },
        )
        .lean<ZoneDocument>();
      if (!updated) throw new AppError('not_found', `No zone with id ${zoneId}.`);
      return { before, after: await this.present(updated) };
    } catch (error) {
      throw isDuplicateKeyError(error) ? this.nameConflict(body.name ?? '', before.siteName) : error;
    }
  }

  async delete(zoneId: string): Promise<ZoneView> {
    const zone = await this.get(zoneId);
    if (zone.sensorCount > 0) throw this.notEmpty(zone, zone.sensorCount);
    const document = await this.require(zoneId);
    await this.zones.deleteOne({ _id: zoneId });
    // A sensor moved in while this delete ran would point at nothing: put the zone back and refuse.
    const lateSensors = await this.sensors.countDocuments({ zoneId });
    if (lateSensors > 0) {
      await this.zones.create(document);
      throw this.notEmpty(zone, lateSensors);
    }
    return zone;
  }

  private notEmpty(zone: ZoneView, sensorCount: number): AppError {
    return new AppError(
      'conflict',
      `Zone "${zone.name}" still holds ${sensorsPhrase(sensorCount)}; move them to another zone or to Unassigned before deleting it.`,
      { sensorCount },
    );
  }

  private async present(zone: ZoneDocument): Promise<ZoneView> {
    const [site, sensorCount] = await Promise.all([
      this.sites.findById(zone.siteId, { name: 1 }).lean<Pick<SiteDocument, '_id' | 'name'>>(),
      this.sensors.countDocuments({ zoneId: zone._id }),
    ]);
    return presentZone(zone, site?.name ?? null, sensorCount);
  }

  private async refuseTakenName(siteId: string, name: string, ownId: string | null): Promise<void> {
    const holder = await this.zones.findOne({ siteId, nameKey: nameKeyOf(name) }, { _id: 1 }).lean();
    if (!holder || holder._id === ownId) return;
    const site = await this.sites.findById(siteId, { name: 1 }).lean();
    throw this.nameConflict(name, site?.name ?? null);
  }

  private nameConflict(name: string, siteName: string | null): AppError {
    return new AppError('conflict', `Site "${siteName ?? '?'}" already has a zone named "${name}" (names are compared without case).`, { field: 'name' });
  }
}
