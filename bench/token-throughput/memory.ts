// Server memory after the sustained run: the kernel's view (VmRSS now, VmHWM its peak, from /proc/<pid>/status) and
// V8's (heap committed and used, by space; external memory), side by side, so that what holds the RSS shows.
import { readFileSync } from 'node:fs';

import type { HeapReport } from './heap-report.ts';

export interface MemoryColumn {
  name: string;
  /** Bytes, from /proc; undefined off Linux. RSS is anonymous (heaps, malloc) + file-backed (the node binary, libraries). */
  rss?: number;
  hwm?: number;
  anon?: number;
  file?: number;
  heap?: HeapReport;
}

/** VmRSS, VmHWM, RssAnon and RssFile of a process, in bytes. */
export function processMemory(pid: number | undefined): { rss?: number; hwm?: number; anon?: number; file?: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => {
      const kib = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1];
      return kib === undefined ? undefined : Number(kib) * 1024;
    };
    return { rss: field('VmRSS'), hwm: field('VmHWM'), anon: field('RssAnon'), file: field('RssFile') };
  } catch {
    return {};
  }
}

/** Purser's heap from prom-client's default metrics (nodejs_heap_*, nodejs_external_memory_bytes) on /metrics. */
export async function heapFromMetrics(url: string): Promise<HeapReport> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name: string, space?: string) => {
    const line = text.split('\n').find((l) => l.startsWith(space === undefined ? `${name} ` : `${name}{space="${space}"}`));
    return line === undefined ? NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
  };
  const spaces = [...text.matchAll(/^nodejs_heap_space_size_total_bytes\{space="([^"]+)"\}/gm)].map(([, name]) => ({
    name: name!,
    size: value('nodejs_heap_space_size_total_bytes', name),
    used: value('nodejs_heap_space_size_used_bytes', name),
  }));
  return {
    usage: { rss: value('process_resident_memory_bytes'), heapTotal: value('nodejs_heap_size_total_bytes'), heapUsed: value('nodejs_heap_size_used_bytes'), external: value('nodejs_external_memory_bytes'), arrayBuffers: NaN },
    spaces,
  };
}

const MiB = 1024 * 1024;
const mib = (bytes: number | undefined) => (bytes === undefined || Number.isNaN(bytes) ? '-' : (bytes / MiB).toFixed(1));
/** prom-client names spaces without the `_space` suffix (`new`, `old`); v8.getHeapSpaceStatistics() with it. */
const spaceName = (name: string) => name.replace(/_space$/, '');
const SPACES = ['new', 'old', 'code', 'large_object', 'new_large_object', 'trusted', 'read_only'];

/** One line per figure, one column per server, in MiB; spaces as committed / used. */
export function memoryTable(columns: MemoryColumn[]): string[] {
  const space = (column: MemoryColumn, name: string) => column.heap?.spaces.find((s) => spaceName(s.name) === name);
  const others = (column: MemoryColumn) =>
    column.heap?.spaces.filter((s) => !SPACES.includes(spaceName(s.name))).reduce((sum, s) => ({ size: sum.size + s.size, used: sum.used + s.used }), { size: 0, used: 0 });
  const pair = (s: { size: number; used: number } | undefined) => (s ? `${mib(s.size)} / ${mib(s.used)}` : '-');
  const rows: [string, (column: MemoryColumn) => string][] = [
    ['VmRSS (after the run)', (c) => mib(c.rss)],
    ['VmHWM (peak RSS)', (c) => mib(c.hwm)],
    ['  RssAnon / RssFile', (c) => `${mib(c.anon)} / ${mib(c.file)}`],
    ['V8 heap committed', (c) => mib(c.heap?.usage.heapTotal)],
    ['V8 heap used', (c) => mib(c.heap?.usage.heapUsed)],
    ...SPACES.map((name): [string, (column: MemoryColumn) => string] => [`  ${name} space committed / used`, (c) => pair(space(c, name))]),
    ['  other spaces committed / used', (c) => pair(others(c))],
    ['external (Buffers, native objects)', (c) => mib(c.heap?.usage.external)],
    ['RssAnon − heap committed − external', (c) => (c.anon === undefined || !c.heap ? '-' : mib(c.anon - c.heap.usage.heapTotal - c.heap.usage.external))],
  ];
  const labelWidth = Math.max(...rows.map(([label]) => label.length));
  const cells = rows.map(([, cell]) => columns.map(cell));
  const widths = columns.map((column, i) => Math.max(column.name.length, ...cells.map((line) => line[i]!.length)));
  return [
    `${''.padEnd(labelWidth)}  ${columns.map((c, i) => c.name.padStart(widths[i]!)).join('  ')}`,
    ...rows.map(([label], r) => `${label.padEnd(labelWidth)}  ${cells[r]!.map((cell, i) => cell.padStart(widths[i]!)).join('  ')}`),
  ];
}
