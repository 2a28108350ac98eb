/**
 * Compares two V8 heap snapshots (.heapsnapshot, as v8.writeHeapSnapshot
 * writes them): live objects grouped by kind and constructor or function name,
 * with the growth in count and self size from the first to the second, largest
 * growth first. Closures carry their source file, line and column (of the
 * code as tsx compiled it: for TypeScript files find the function by its name
 * or open the snapshot in DevTools), so a growing closure points at its code.
 *
 *   node --import tsx test/bench/soak-heap-diff.ts before.heapsnapshot after.heapsnapshot [--top 20]
 *
 * churn-soak-bench.ts --heap-snapshots calls compareHeapSnapshots itself.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

interface HeapSnapshotFile {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; edge_fields: string[]; edge_types: [string[], ...unknown[]]; location_fields?: string[] } };
  nodes: number[];
  edges: number[];
  strings: string[];
  locations?: number[];
}

/**
 * The source file of each closure (node offset → file), found by following its
 * edges: closure → 'shared' (SharedFunctionInfo) → 'script_or_debug_info' (or
 * 'script' in older V8) → the Script, whose name is the file's URL.
 */
function closureFiles(heap: HeapSnapshotFile): Map<number, string> {
  const fields = heap.snapshot.meta.node_fields;
  const width = fields.length;
  const edgeWidth = heap.snapshot.meta.edge_fields.length;
  const [edgeCountAt, typeAt, nameAt] = ['edge_count', 'type', 'name'].map((name) => fields.indexOf(name)) as [number, number, number];
  const [edgeNameAt, edgeToAt] = ['name_or_index', 'to_node'].map((name) => heap.snapshot.meta.edge_fields.indexOf(name)) as [number, number];
  const firstEdge = new Map<number, number>();
  let edge = 0;
  for (let offset = 0; offset < heap.nodes.length; offset += width) {
    firstEdge.set(offset, edge);
    edge += (heap.nodes[offset + edgeCountAt] ?? 0) * edgeWidth;
  }
  const stringEdgeTypes = new Set(['context', 'property', 'internal', 'shortcut', 'weak'].map((type) => heap.snapshot.meta.edge_types[0].indexOf(type)));
  const edgeTo = (offset: number, names: string[]): number | undefined => {
    const start = firstEdge.get(offset) ?? 0;
    for (let index = 0; index < (heap.nodes[offset + edgeCountAt] ?? 0); index += 1) {
      const at = start + index * edgeWidth;
      if (!stringEdgeTypes.has(heap.edges[at] ?? -1)) continue;
      if (names.includes(heap.strings[heap.edges[at + edgeNameAt] ?? 0] ?? '')) return heap.edges[at + edgeToAt];
    }
    return undefined;
  };
  const closureType = heap.snapshot.meta.node_types[0].indexOf('closure');
  const files = new Map<number, string>();
  for (let offset = 0; offset < heap.nodes.length; offset += width) {
    if (heap.nodes[offset + typeAt] !== closureType) continue;
    const shared = edgeTo(offset, ['shared']);
    const script = shared === undefined ? undefined : edgeTo(shared, ['script_or_debug_info', 'script']);
    const url = script === undefined ? '' : (heap.strings[heap.nodes[script + nameAt] ?? 0] ?? '');
    if (url) files.set(offset, url.replace(/^file:\/\//, '').replace(`${process.cwd()}/`, ''));
  }
  return files;
}

interface Group {
  count: number;
  selfBytes: number;
}

export interface HeapGrowth {
  group: string;
  countBefore: number;
  countAfter: number;
  selfBytesBefore: number;
  selfBytesAfter: number;
}

/** Live objects per "kind name [location]"; strings and numbers are grouped by kind only (their names are their values). */
async function groupSnapshot(file: string): Promise<Map<string, Group>> {
  const heap = JSON.parse(await readFile(file, 'utf8')) as HeapSnapshotFile;
  const fields = heap.snapshot.meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const typeNames = heap.snapshot.meta.node_types[0];
  // Source locations: [object_index, script_id, line, column] per closure, object_index being the node's offset in `nodes`.
  const files = closureFiles(heap);
  const locationFields = heap.snapshot.meta.location_fields ?? [];
  const locationOf = new Map<number, string>();
  if (heap.locations && locationFields.length > 0) {
    const [objectAt, lineAt, columnAt] = ['object_index', 'line', 'column'].map((name) => locationFields.indexOf(name));
    for (let offset = 0; offset < heap.locations.length; offset += locationFields.length) {
      const at = (index: number | undefined) => heap.locations?.[offset + (index ?? 0)] ?? 0;
      const file = files.get(at(objectAt));
      if (file) locationOf.set(at(objectAt), `${file}:${at(lineAt) + 1}:${at(columnAt) + 1}`);
    }
  }
  const groups = new Map<string, Group>();
  for (let offset = 0; offset < heap.nodes.length; offset += width) {
    const type = typeNames[heap.nodes[offset + typeAt] ?? 0] ?? '?';
    const name = heap.strings[heap.nodes[offset + nameAt] ?? 0] ?? '?';
    const byName = !['string', 'concatenated string', 'sliced string', 'number', 'heap number'].includes(type);
    const location = type === 'closure' ? locationOf.get(offset) : undefined;
    const key = byName ? `${type} ${name.slice(0, 80)}${location ? ` @ ${location}` : ''}` : type;
    const group = groups.get(key) ?? { count: 0, selfBytes: 0 };
    group.count += 1;
    group.selfBytes += heap.nodes[offset + sizeAt] ?? 0;
    groups.set(key, group);
  }
  return groups;
}

/** The groups that grew most in self size (then count) from `before` to `after`. */
export async function compareHeapSnapshots(before: string, after: string, top = 20): Promise<HeapGrowth[]> {
  const first = await groupSnapshot(before);
  const second = await groupSnapshot(after);
  const growth: HeapGrowth[] = [];
  for (const [group, now] of second) {
    const then = first.get(group) ?? { count: 0, selfBytes: 0 };
    growth.push({ group, countBefore: then.count, countAfter: now.count, selfBytesBefore: then.selfBytes, selfBytesAfter: now.selfBytes });
  }
  return growth
    .filter((entry) => entry.selfBytesAfter > entry.selfBytesBefore || entry.countAfter > entry.countBefore)
    .sort((a, b) => b.selfBytesAfter - b.selfBytesBefore - (a.selfBytesAfter - a.selfBytesBefore) || b.countAfter - b.countBefore - (a.countAfter - a.countBefore))
    .slice(0, top);
}

export function formatHeapGrowth(growth: HeapGrowth[]): string {
  return growth
    .map((entry) => {
      const kib = Math.round((entry.selfBytesAfter - entry.selfBytesBefore) / 102.4) / 10;
      return `  ${`+${kib} KiB`.padStart(14)} ${`${entry.countAfter >= entry.countBefore ? '+' : ''}${entry.countAfter - entry.countBefore}`.padStart(8)} objects (${entry.countBefore} → ${entry.countAfter})  ${entry.group}`;
    })
    .join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '20' } } });
  const [before, after] = positionals;
  if (!before || !after) {
    console.error('usage: soak-heap-diff.ts before.heapsnapshot after.heapsnapshot [--top N]');
    process.exit(2);
  }
  console.log(formatHeapGrowth(await compareHeapSnapshots(before, after, Number(values.top))));
}
