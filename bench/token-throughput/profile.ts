// Reading V8 .cpuprofile files: busy time per function, per package and per component (components.ts), optionally
// only inside time windows (CLOCK_MONOTONIC microseconds, the clock of both V8's profiler and process.hrtime on Linux).
import { COMPONENTS, componentOf } from './components.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Breakdown {
  /** Busy microseconds (idle and "(program)" left out). */
  busy: number;
  idle: number;
  /** Microseconds by function, where the sample was taken (self) or anywhere on its stack (inclusive). */
  self: Map<string, number>;
  inclusive: Map<string, number>;
  /** The same by package (node_modules/<name>), project file, `node: (core)` or V8 pseudo-frame. */
  selfByArea: Map<string, number>;
  inclusiveByArea: Map<string, number>;
  /** Microseconds by component: the innermost frame of each sample's stack that a rule of components.ts matches. */
  byComponent: Map<string, number>;
  /** Self time of the samples no rule matched, by function: what to add a rule for. */
  unclassified: Map<string, number>;
}

const IDLE = new Set(['(idle)', '(program)']);
const cwd = `file://${process.cwd()}/`;

function area({ url, functionName }: ProfileNode['callFrame']): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1]!;
  if (url.startsWith('node:')) return 'node: (core)';
  return url.startsWith(cwd) ? url.slice(cwd.length) : url;
}

function frame({ functionName, url, lineNumber }: ProfileNode['callFrame']): string {
  const where = url ? `${url.startsWith(cwd) ? url.slice(cwd.length) : url.replace(/^.*node_modules\//, '')}:${lineNumber + 1}` : '';
  return `${functionName || '(anonymous)'} ${where}`.trim();
}

const add = (map: Map<string, number>, key: string, value: number) => map.set(key, (map.get(key) ?? 0) + value);

export function breakdown(profile: CpuProfile, windows?: [number, number][]): Breakdown {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const result: Breakdown = { busy: 0, idle: 0, self: new Map(), inclusive: new Map(), selfByArea: new Map(), inclusiveByArea: new Map(), byComponent: new Map(), unclassified: new Map() };
  // A node's component is its own frame's, else its parent's: worked out once per node, not once per sample.
  const components = new Map<number, string | undefined>();
  const component = (node: ProfileNode | undefined): string | undefined => {
    if (!node || node.callFrame.functionName === '(root)') return undefined;
    if (!components.has(node.id)) components.set(node.id, componentOf(node.callFrame.url, node.callFrame.functionName) ?? component(byId.get(parentOf.get(node.id) ?? -1)));
    return components.get(node.id);
  };

  let time = profile.startTime;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    time += delta;
    if (windows && !windows.some(([from, to]) => time >= from && time <= to)) return;
    const leaf = byId.get(id)!;
    if (IDLE.has(leaf.callFrame.functionName)) {
      result.idle += delta;
      return;
    }
    result.busy += delta;
    add(result.self, frame(leaf.callFrame), delta);
    add(result.selfByArea, area(leaf.callFrame), delta);
    const owner = component(leaf);
    add(result.byComponent, owner ?? COMPONENTS.other, delta);
    if (!owner) add(result.unclassified, frame(leaf.callFrame), delta);
    const frames = new Set<string>();
    const areas = new Set<string>();
    for (let node: ProfileNode | undefined = leaf; node && node.callFrame.functionName !== '(root)'; node = byId.get(parentOf.get(node.id) ?? -1)) {
      frames.add(frame(node.callFrame));
      areas.add(area(node.callFrame));
    }
    for (const name of frames) add(result.inclusive, name, delta);
    for (const name of areas) add(result.inclusiveByArea, name, delta);
  });
  return result;
}
