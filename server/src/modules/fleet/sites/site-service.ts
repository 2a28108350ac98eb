/**
 * Sites: create, rename, describe, delete. Name uniqueness is guarded by the
 * unique `nameKey` index (a pre-check only gives the nicer sentence); a site that
 * still has zones cannot be deleted. Without transactions, a delete racing a zone
 * creation is settled after the fact: whichever side sees the other undoes itself.
 */
import { randomUUID } from 'node:crypto';
import { AppError } from '../../../platform/errors.js';
import { isDuplicateKeyError } from '../../../platform/database/database.js';
import { nameKeyOf } from '../name-key.js';
import { countBy, type SensorCounter } from '../placement-counts.js';
import type { SensorModel } from '../sensor-model.js';
import type { ZoneModel } from '../zones/zone-model.js';
import type { SiteDocument, SiteModel } from './site-model.js';
import { presentSite, type SiteView } from './site-presenter.js';
import type { CreateSiteBody, UpdateSiteBody } from './schema.js';

export class SiteService {
  constructor(
    private readonly sites: SiteModel,
    private readonly zones: ZoneModel,
    private readonly sensors: SensorModel,
    /** Sensor counts for lists; the in-memory listing on the embedded database (see sensor-listing.ts). */
    private readonly countSensors: SensorCounter = (field, ids) => countBy(sensors, field, ids),
  ) {}

  async list(): Promise<SiteView[]> {
    const sites = await this.sites.find().sort({ nameKey: 1 }).lean<SiteDocument[]>();
    const ids = sites.map((site) => site._id);
    const [zoneCounts, sensorCounts] = await Promise.all([countBy(this.zones, 'siteId', ids), this.countSensors('siteId', ids)]);
    return sites.map((site) => presentSite(site, { zoneCount: zoneCounts.get(site._id) ?? 0, sensorCount: sensorCounts.get(site._id) ?? 0 }));
  }

  async get(siteId: string): Promise<SiteView> {
    return this.present(await this.require(siteId));
  }

  async require(siteId: string): Promise<SiteDocument> {
    const site = await this.sites.findById(siteId).lean<SiteDocument>();
    if (!site) throw new AppError('not_found', `No site with id ${siteId}.`);
    return site;
  }

  async create(body: CreateSiteBody): Promise<SiteView> {
    await this.refuseTakenName(body.name, null);
    try {
      const created = await this.sites.create({ _id: randomUUID(), name: body.name, nameKey: nameKeyOf(body.name), description: body.description });
      return presentSite(created.toObject<SiteDocument>(), { zoneCount: 0, sensorCount: 0 });
    } catch (error) {
      throw this.nameConflictOr(error, body.name);
    }
  }

  async update(siteId: string, body: UpdateSiteBody): Promise<{ before: SiteView; after: SiteView }> {
    const before = await this.get(siteId);
    if (body.name !== undefined) await this.refuseTakenName(body.name, siteId);
    try {
      const updated = await this.sites
        .findByIdAndUpdate(
          siteId,
          { $set: { ...(body.name === undefined ? {} : { name: body.name, nameKey: nameKeyOf(body.name) }), ...(body.description === undefined ? {} : { description: body.description }) } },
          { returnDocument: 'after' },
        )
        .lean<SiteDocument>();
      if (!updated) throw new AppError('not_found', `No site with id ${siteId}.`);
      return { before, after: await this.present(updated) };
    } catch (error) {
      throw this.nameConflictOr(error, body.name ?? '');
    }
  }

  async delete(siteId: string): Promise<SiteView> {
    const site = await this.get(siteId);
    if (site.zoneCount > 0) {
      const zones = site.zoneCount === 1 ? '1 zone' : `${site.zoneCount} zones`;
      throw new AppError('conflict', `Site "${site.name}" still has ${zones}; delete or empty its zones first.`, { zoneCount: site.zoneCount });
    }
    const document = await this.require(siteId);
    await this.sites.deleteOne({ _id: siteId });
    // A zone created while this delete ran would be orphaned: put the site back and refuse (no transactions).
    const lateZones = await this.zones.countDocuments({ siteId });
    if (lateZones > 0) {
      await this.sites.create(document);
      throw new AppError('conflict', `Site "${site.name}" got a zone while it was being deleted; it was kept.`, { zoneCount: lateZones });
    }
    return site;
  }

  private async present(site: SiteDocument): Promise<SiteView> {
    const [zoneCount, sensorCount] = await Promise.all([this.zones.countDocuments({ siteId: site._id }), this.sensors.countDocuments({ siteId: site._id })]);
    return presentSite(site, { zoneCount, sensorCount });
  }

  private async refuseTakenName(name: string, ownId: string | null): Promise<void> {
    const holder = await this.sites.findOne({ nameKey: nameKeyOf(name) }, { _id: 1 }).lean();
    if (holder && holder._id !== ownId) throw this.nameConflict(name);
  }

  private nameConflictOr(error: unknown, name: string): unknown {
    return isDuplicateKeyError(error) ? this.nameConflict(name) : error;
  }

  private nameConflict(name: string): AppError {
    return new AppError('conflict', `A site named "${name}" already exists (names are compared without case).`, { field: 'name' });
  }
}
