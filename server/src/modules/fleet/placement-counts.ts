/**
 * How many zones and sensors each site (or zone) holds, in one aggregation per
 * collection rather than one count per row of a list.
 */
import type { Model } from 'mongoose';

export async function countBy<Document>(model: Model<Document>, field: 'siteId' | 'zoneId', ids: string[]): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  const groups = await model.aggregate<{ _id: string; count: number }>([
    { $match: { [field]: { $in: ids } } },
    { $group: { _id: `$${field}`, count: { $sum: 1 } } },
  ]);
  return new Map(groups.map((group) => [group._id, group.count]));
}

export type SensorCounter = (field: 'siteId' | 'zoneId', ids: string[]) => Promise<Map<string, number>>;
