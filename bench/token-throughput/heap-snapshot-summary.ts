// What holds a server's heap: a V8 .heapsnapshot (BENCH_HEAP_SNAPSHOT) summed by object kind and constructor name.
//   node --max-old-space-size=4096 bench/token-throughput/heap-snapshot-summary.ts <file.heapsnapshot> [top N]
// Self sizes only (each object counted once, not what it keeps alive); enough to tell a cache from the code and
// strings any Node process holds.
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error('usage: heap-snapshot-summary.ts <file.heapsnapshot> [top N]');
const top = Number(topArg ?? 30);
const { snapshot, nodes, strings } = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
const fields = snapshot.meta.node_fields;
const [TYPE, NAME, SELF] = ['type', 'name', 'self_size'].map((field) => fields.indexOf(field)) as [number, number, number];
const types = snapshot.meta.node_types[0];

const bySize = new Map<string, { bytes: number; count: number }>();
let total = 0;
for (let i = 0; i < nodes.length; i += fields.length) {
  const type = types[nodes[i + TYPE]!]!;
  // Strings and code are grouped by kind: their "name" is their content.
  const name = type === 'object' || type === 'closure' || type === 'native' ? `${type} ${strings[nodes[i + NAME]!]!.slice(0, 60)}` : type;
  const self = nodes[i + SELF]!;
  const entry = bySize.get(name) ?? { bytes: 0, count: 0 };
  entry.bytes += self;
  entry.count++;
  bySize.set(name, entry);
  total += self;
}
const MiB = 1024 * 1024;
process.stdout.write(`${file}: ${(total / MiB).toFixed(1)} MiB in ${nodes.length / fields.length} objects (self sizes)\n`);
for (const [name, { bytes, count }] of [...bySize].sort(([, a], [, b]) => b.bytes - a.bytes).slice(0, top)) {
  process.stdout.write(`  ${(bytes / MiB).toFixed(2).padStart(8)} MiB  ${String(count).padStart(9)}  ${name}\n`);
}
