/**
 * Delivery records, kept in pages. A delivery (one event through one action) is
 * written to the outbox BEFORE anything is sent; its id
 * is derived from the event, rule and action, so it can be recognised wherever
 * it is. Deliveries planned together (one batch of raised events) are stored
 * together in ONE outbox page: a document holding an array of flat delivery
 * subdocuments (`notificationOutboxPages`), with a small head document
 * (`notificationOutbox`: partition, next attempt time) that the worker queries,
 * so looking for due work never reads the deliveries themselves. The body is
 * written before its head. When a page has been sent, its finished deliveries move to the
 * delivery log (`notificationDeliveryLog`) — the delivered ones as one log
 * page, each dead one as a page of its own (so a person can retry it) — the
 * ones to retry move to a new outbox page with their next attempt time, and
 * the sent page (head, then body) is deleted: insert first, then delete.
 *
 * Why pages: on the embedded database (FerretDB on SQLite) the cost of a write
 * is per document and per command, and any query other than by `_id` reads
 * every row of the collection, decoding every document. One document per
 * delivery made each delivery cost several writes and made each batched delete
 * scan the whole backlog. With pages, a batch of a thousand deliveries costs
 * one insert into the outbox, one into the log and a delete by `_id`, and the
 * worker's queries read only the small heads. On MongoDB the same documents
 * work with ordinary (multikey) indexes.
 *
 * Who sends which page is decided by partition leases (partition-leases.ts),
 * not by per-delivery claims. A crash between "insert into the log" and "delete
 * the outbox page" leaves deliveries in both: they may be sent once more (a
 * duplicate for a delivery in flight at the crash, which the event id lets
 * receivers drop); listings show such a delivery once, as finished.
 */
import { randomUUID } from 'node:crypto';
import type { Collection, Filter, OptionalUnlessRequiredId } from 'mongodb';
import { isDuplicateKeyError } from '../../../platform/database/database.js';
import { AppError } from '../../../platform/errors.js';
import type { EventView } from '../events/event-presenter.js';
import { partitionOf } from './partition-leases.js';

export const OUTBOX_COLLECTION = 'notificationOutbox';
export const OUTBOX_PAGES_COLLECTION = 'notificationOutboxPages';
export const DELIVERY_LOG_COLLECTION = 'notificationDeliveryLog';

export const DELIVERY_STATUSES = ['pending', 'delivered', 'dead'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** Most deliveries in one page (bounds a page well under MongoDB's 16 MB document limit). */
export const PAGE_MAX_DELIVERIES = 1000;

/** One delivery as stored inside a page. */
export interface DeliveryRecord {
  _id: string;
  eventId: string;
  ruleId: string;
  ruleName: string;
  actionId: string;
  actionType: string;
  /** Where it goes, in words (no secrets), as of when the delivery was planned. */
  target: string;
  /** The event as sent, so a delivery needs no other read to go out. */
  event: EventView;
  attempts: number;
  nextAttemptAt: Date;
  deadline: Date;
  lastAttemptAt: Date | null;
  lastReason: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

/** A page of deliveries: in the outbox all pending, in the log all delivered or one dead delivery. */
export interface DeliveryPage {
  _id: string;
  /** Outbox partition (see partition-leases.ts); derived from the page id. */
  partition: number;
  status: DeliveryStatus;
  /** The earliest next attempt among the page's deliveries (outbox pages). */
  nextAttemptAt: Date;
  /** The newest delivery's creation time: log pages are listed newest first by it. */
  createdAt: Date;
  finishedAt: Date | null;
  items: DeliveryRecord[];
  /** A receipt (log only): every delivery of the outbox body with this id was delivered at `finishedAt`. */
  bodyId?: string;
}

/** What the worker queries: a pending page without its deliveries. */
export type OutboxHead = Omit<DeliveryPage, 'items'> & { deliveries: number };

/** A pending page's deliveries. */
export interface OutboxBody {
  _id: string;
  items: DeliveryRecord[];
}

function headOf(page: DeliveryPage): OutboxHead {
  const { items, ...head } = page;
  return { ...head, deliveries: items.length };
}

/** A delivery as the API and the worker see it: the record with its page's status. */
export interface DeliveryDocument extends DeliveryRecord {
  status: DeliveryStatus;
}

export type DeliveryOutcome =
  | { kind: 'delivered' }
  | { kind: 'retry'; reason: string; nextAttemptAt: Date }
  | { kind: 'dead'; reason: string };

export interface DeliveryQuery {
  status?: DeliveryStatus;
  /** Pending deliveries that failed at least once. */
  failing?: boolean;
  eventId?: string;
  ruleId?: string;
  limit: number;
}

export function deliveryId(eventId: string, ruleId: string, actionId: string): string {
  return `${eventId}:${ruleId}:${actionId}`;
}

/** Outbox pages for deliveries, at most PAGE_MAX_DELIVERIES each. */
export function pendingPages(items: DeliveryRecord[]): DeliveryPage[] {
  const pages: DeliveryPage[] = [];
  for (let start = 0; start < items.length; start += PAGE_MAX_DELIVERIES) {
    const chunk = items.slice(start, start + PAGE_MAX_DELIVERIES);
    const id = randomUUID();
    pages.push({
      _id: id,
      partition: partitionOf(id),
      status: 'pending',
      nextAttemptAt: new Date(Math.min(...chunk.map((item) => item.nextAttemptAt.getTime()))),
      createdAt: new Date(Math.max(...chunk.map((item) => item.createdAt.getTime()))),
      finishedAt: null,
      items: chunk,
    });
  }
  return pages;
}

function finishedPage(id: string, status: 'delivered' | 'dead', items: DeliveryRecord[], now: Date): DeliveryPage {
  return {
    _id: id,
    partition: partitionOf(id),
    status,
    nextAttemptAt: now,
    createdAt: new Date(Math.max(...items.map((item) => item.createdAt.getTime()))),
    finishedAt: now,
    items,
  };
}

/** Deliveries of a page as the API sees them (a page written by an older layout has no items). */
function flatten(page: DeliveryPage): DeliveryDocument[] {
  return (page.items ?? []).map((item) => ({ ...item, status: page.status }));
}

/** The deliveries of a body that a receipt says were delivered (each on the attempt after the one recorded). */
function fromReceipt(receipt: DeliveryPage, body: OutboxBody): DeliveryDocument[] {
  return body.items.map((item) => ({ ...item, status: 'delivered', attempts: item.attempts + 1, lastAttemptAt: receipt.finishedAt, finishedAt: receipt.finishedAt }));
}

function newestFirst(a: DeliveryDocument, b: DeliveryDocument): number {
  return b.createdAt.getTime() - a.createdAt.getTime() || (a._id < b._id ? 1 : a._id > b._id ? -1 : 0);
}

async function insertIgnoringDuplicates<Document extends { _id: string }>(collection: Collection<Document>, pages: OptionalUnlessRequiredId<Document>[]): Promise<void> {
  if (pages.length === 0) return;
  try {
    await collection.insertMany(pages, { ordered: false });
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
  }
}

export interface PageResult {
  delivery: DeliveryDocument;
  outcome: DeliveryOutcome;
}

export class DeliveryStore {
  constructor(
    private readonly heads: Collection<OutboxHead>,
    private readonly bodies: Collection<OutboxBody>,
    private readonly log: Collection<DeliveryPage>,
  ) {}

  /** Writes pages of planned deliveries to the outbox: bodies, then heads (one command each). */
  async insertPages(pages: DeliveryPage[]): Promise<void> {
    if (pages.length === 0) return;
    await insertIgnoringDuplicates(this.bodies, pages.map((page) => ({ _id: page._id, items: page.items })));
    await insertIgnoringDuplicates(this.heads, pages.map(headOf));
  }

  /**
   * Due pages of the partitions this worker holds, earliest due first. Pages for
   * which `inHand` says yes are skipped without reading their deliveries.
   */
  async due(partitions: number[], limit: number, inHand: (pageId: string) => boolean = () => false): Promise<DeliveryPage[]> {
    if (partitions.length === 0) return [];
    const heads = await this.heads
      .find({ partition: { $in: partitions }, nextAttemptAt: { $lte: new Date() } })
      .sort({ nextAttemptAt: 1 })
      .limit(limit)
      .toArray();
    const pages: DeliveryPage[] = [];
    for (const head of heads) {
      if (inHand(head._id)) continue;
      // By _id: the embedded database reads just this document.
      const body = await this.bodies.findOne({ _id: head._id });
      if (!body) {
        // A head whose page was finished by another worker a moment ago.
        continue;
      }
      const { deliveries: _count, ...page } = head;
      pages.push({ ...page, items: body.items });
    }
    return pages;
  }

  /**
   * Records the outcomes of sent pages. A page whose deliveries were all
   * delivered (the usual case) gets a receipt in the log — a small document
   * naming the page — and its body stays as the record of those deliveries:
   * nothing large is written or read again. Otherwise the page's delivered
   * deliveries go to the log as one page, dead ones as one page each, retries
   * (and `waiting` deliveries, not due yet) to a new outbox page, and the body
   * is deleted. Either way the head is deleted last. Returns the new outbox pages.
   */
  async complete(pages: DeliveryPage[], results: PageResult[], waiting: DeliveryRecord[] = []): Promise<DeliveryPage[]> {
    if (pages.length === 0) return [];
    const now = new Date();
    const outcomes = new Map(results.map((result) => [result.delivery._id, result]));
    const waitingIds = new Set(waiting.map((item) => item._id));
    const receipts: DeliveryPage[] = [];
    const mixed: DeliveryPage[] = [];
    for (const page of pages) {
      const allDelivered = page.items.every((item) => !waitingIds.has(item._id) && outcomes.get(item._id)?.outcome.kind === 'delivered');
      if (allDelivered) receipts.push({ ...finishedPage(page._id, 'delivered', [], now), createdAt: page.createdAt, bodyId: page._id });
      else mixed.push(page);
    }
    const delivered: DeliveryRecord[] = [];
    const dead: DeliveryPage[] = [];
    const retries: DeliveryRecord[] = [];
    for (const page of mixed) {
      for (const item of page.items) {
        if (waitingIds.has(item._id)) {
          retries.push(item);
          continue;
        }
        const outcome = outcomes.get(item._id)?.outcome ?? { kind: 'retry', reason: 'not attempted', nextAttemptAt: now };
        const attempts = item.attempts + 1;
        if (outcome.kind === 'retry') {
          retries.push({ ...item, attempts, lastAttemptAt: now, lastReason: outcome.reason, nextAttemptAt: outcome.nextAttemptAt });
        } else if (outcome.kind === 'delivered') {
          delivered.push({ ...item, attempts, lastAttemptAt: now, finishedAt: now });
        } else {
          dead.push(finishedPage(`dead:${item._id}`, 'dead', [{ ...item, attempts, lastAttemptAt: now, lastReason: outcome.reason, finishedAt: now }], now));
        }
      }
    }
    const finished = [...receipts, ...(delivered.length > 0 ? [finishedPage(randomUUID(), 'delivered', delivered, now)] : []), ...dead];
    await insertIgnoringDuplicates(this.log, finished);
    const rescheduled = pendingPages(retries);
    await this.insertPages(rescheduled);
    // By _id, one page at a time: the only delete the embedded database does without reading every row.
    for (const page of mixed) await this.bodies.deleteOne({ _id: page._id });
    for (const page of pages) await this.heads.deleteOne({ _id: page._id });
    return rescheduled;
  }

  /**
   * A body's deliveries with their state: delivered when the log has its receipt,
   * pending while its head exists; none when neither (its deliveries were moved
   * to the log, or it was left half-written by a crash before its events were).
   */
  private async resolveBody(body: OutboxBody): Promise<DeliveryDocument[]> {
    const receipt = await this.log.findOne({ _id: body._id });
    if (receipt) return fromReceipt(receipt, body);
    const head = await this.heads.findOne({ _id: body._id }, { projection: { _id: 1 } });
    return head ? body.items.map((item) => ({ ...item, status: 'pending' as const })) : [];
  }

  /** A log page's deliveries, reading the body a receipt names. */
  private async pageDeliveries(page: DeliveryPage): Promise<DeliveryDocument[]> {
    if (!page.bodyId) return flatten(page);
    const body = await this.bodies.findOne({ _id: page.bodyId });
    return body ? fromReceipt(page, body) : [];
  }

  async list(query: DeliveryQuery): Promise<DeliveryDocument[]> {
    const wanted = (delivery: DeliveryDocument) =>
      (!query.eventId || delivery.eventId === query.eventId) &&
      (!query.ruleId || delivery.ruleId === query.ruleId) &&
      (!query.status || delivery.status === query.status) &&
      (!query.failing || (delivery.status === 'pending' && delivery.attempts > 0));
    const byId = new Map<string, DeliveryDocument>();
    // A delivery caught between log and outbox by a crash is shown once, as finished.
    const add = (deliveries: DeliveryDocument[]) => {
      for (const delivery of deliveries) {
        if (!wanted(delivery)) continue;
        const known = byId.get(delivery._id);
        if (!known || known.status === 'pending') byId.set(delivery._id, delivery);
      }
    };
    if (query.eventId || query.ruleId) {
      // Every page holding a matching delivery, wherever it is (multikey indexes on MongoDB).
      const pageFilter: Filter<OutboxBody> = {};
      if (query.eventId) pageFilter['items.eventId'] = query.eventId;
      if (query.ruleId) pageFilter['items.ruleId'] = query.ruleId;
      for (const body of await this.bodies.find(pageFilter).toArray()) add(await this.resolveBody(body));
      if (query.status !== 'pending' && !query.failing) {
        for (const page of await this.log.find(pageFilter as Filter<DeliveryPage>).toArray()) add(flatten(page));
      }
    } else {
      if (query.failing || query.status === 'pending' || query.status === undefined) {
        // Pending work is a few pages: their heads, then each body by _id.
        for (const head of await this.heads.find({}, { projection: { _id: 1 } }).toArray()) {
          const body = await this.bodies.findOne({ _id: head._id });
          if (body) add(body.items.map((item) => ({ ...item, status: 'pending' as const })));
        }
      }
      if (!query.failing && query.status !== 'pending') add(await this.newestFinished(query.status ? { status: query.status } : {}, wanted, query.limit));
    }
    return [...byId.values()].sort(newestFirst).slice(0, query.limit);
  }

  /** The newest `limit` finished deliveries that pass `wanted`, reading log pages newest first only as far as needed. */
  private async newestFinished(filter: Filter<DeliveryPage>, wanted: (delivery: DeliveryDocument) => boolean, limit: number): Promise<DeliveryDocument[]> {
    let collected: DeliveryDocument[] = [];
    let threshold = 0;
    const cursor = this.log.find(filter).sort({ createdAt: -1, _id: -1 }).batchSize(20);
    try {
      for await (const page of cursor) {
        // Pages are sorted by their newest delivery: past the threshold none can be newer.
        if (collected.length >= limit && page.createdAt.getTime() < threshold) break;
        collected.push(...(await this.pageDeliveries(page)).filter(wanted));
        if (collected.length >= limit) {
          collected = collected.sort(newestFirst).slice(0, limit);
          threshold = collected[collected.length - 1]?.createdAt.getTime() ?? 0;
        }
      }
    } finally {
      await cursor.close();
    }
    return collected;
  }

  /** Where a delivery is now: a log page, or an outbox body (pending, or delivered by receipt). */
  private async find(id: string): Promise<{ delivery: DeliveryDocument; logPage: DeliveryPage | null; body: OutboxBody | null } | null> {
    const logPage = await this.log.findOne({ 'items._id': id });
    const fromLog = logPage ? flatten(logPage).find((item) => item._id === id) : undefined;
    if (logPage && fromLog) return { delivery: fromLog, logPage, body: null };
    const body = await this.bodies.findOne({ 'items._id': id });
    const fromBody = body ? (await this.resolveBody(body)).find((item) => item._id === id) : undefined;
    return body && fromBody ? { delivery: fromBody, logPage: null, body } : null;
  }

  async get(id: string): Promise<DeliveryDocument> {
    const found = await this.find(id);
    if (!found) throw new AppError('not_found', `No delivery with id "${id}".`);
    return found.delivery;
  }

  /** A person's retry: a dead or failing delivery goes out again now, with a fresh deadline. */
  async retry(id: string, deadlineMs: number): Promise<DeliveryDocument> {
    const now = new Date();
    const deadline = new Date(now.getTime() + deadlineMs);
    const found = await this.find(id);
    if (!found) throw new AppError('not_found', `No delivery with id "${id}".`);
    const { delivery, logPage, body } = found;
    if (delivery.status === 'delivered') throw new AppError('conflict', 'This delivery was delivered already; there is nothing to retry.');
    const { status: _status, ...record } = delivery;
    if (logPage) {
      const [page] = pendingPages([{ ...record, nextAttemptAt: now, deadline, finishedAt: null }]);
      if (!page) throw new AppError('not_found', `No delivery with id "${id}".`);
      await this.insertPages([page]);
      await this.log.deleteOne({ _id: logPage._id, status: 'dead' });
      return flatten(page)[0] as DeliveryDocument;
    }
    if (!body) throw new AppError('not_found', `No delivery with id "${id}".`);
    const items = body.items.map((item) => (item._id === id ? { ...item, nextAttemptAt: now, deadline } : item));
    // If the worker finishes this page meanwhile, these match nothing: the delivery was just attempted anyway.
    await this.bodies.replaceOne({ _id: body._id }, { items });
    await this.heads.updateOne({ _id: body._id }, { $set: { nextAttemptAt: now } });
    return { ...record, nextAttemptAt: now, deadline, status: 'pending' };
  }

  /** Removes delivered records older than `before` (dead ones stay until retried): bodies named by receipts, then the log pages. */
  async pruneDelivered(before: Date): Promise<number> {
    const old = { status: 'delivered' as const, finishedAt: { $lt: before } };
    const receipts = await this.log.find({ ...old, bodyId: { $exists: true } }, { projection: { bodyId: 1 } }).toArray();
    let removed = 0;
    for (const receipt of receipts) {
      if (!receipt.bodyId) continue;
      const body = await this.bodies.findOneAndDelete({ _id: receipt.bodyId });
      removed += body?.items.length ?? 0;
    }
    const result = await this.log.deleteMany(old);
    return removed + result.deletedCount - receipts.length;
  }
}
