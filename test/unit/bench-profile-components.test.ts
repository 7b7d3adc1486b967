// The bench's profile summary by component (bench/token-throughput/components.ts, profile.ts): each sample goes to
// the innermost frame on its stack that a rule matches, wherever the profile was recorded.
import { describe, expect, it } from 'vitest';

import { COMPONENTS, componentOf } from '../../bench/token-throughput/components.ts';
import { breakdown, type CpuProfile } from '../../bench/token-throughput/profile.ts';

const ROOT = 'file:///somewhere/else/purser/';

/** A profile of one stack per sample (outermost frame first), 100 µs per sample. */
function profileOf(stacks: [string, string][][]): CpuProfile {
  const nodes: CpuProfile['nodes'] = [{ id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: 0 }, children: [] }];
  const samples = stacks.map((stack) => {
    let parent = nodes[0]!;
    for (const [functionName, url] of stack) {
      const node = { id: nodes.length + 1, callFrame: { functionName, url, lineNumber: 0 }, children: [] as number[] };
      nodes.push(node);
      parent.children!.push(node.id);
      parent = node;
    }
    return parent.id;
  });
  return { nodes, startTime: 0, samples, timeDeltas: samples.map(() => 100) };
}

describe('bench profile components', () => {
  it('names frames by their path from the project root, wherever the profile was recorded', () => {
    expect(componentOf(`${ROOT}src/store/secret-hash.ts`, 'matchesSecret')).toBe(COMPONENTS.clientAuth);
    expect(componentOf(`${ROOT}node_modules/oidc-provider/lib/shared/client_auth.js`, 'tokenAuth')).toBe(COMPONENTS.clientAuth);
    expect(componentOf(`${ROOT}node_modules/prom-client/lib/histogram.js`, 'observe')).toBe(COMPONENTS.metrics);
    expect(componentOf(`${ROOT}node_modules/koa/lib/application.js`, 'respond')).toBe(COMPONENTS.serialisation);
    expect(componentOf(`${ROOT}node_modules/koa/lib/application.js`, 'handleRequest')).toBe(COMPONENTS.routing);
    expect(componentOf('', '(garbage collector)')).toBe(COMPONENTS.gc);
    expect(componentOf(`${ROOT}src/server/fast-token/authenticate.ts`, 'authenticate')).toBe(COMPONENTS.clientAuth);
    expect(componentOf('node:internal/crypto/sig', 'sign')).toBe(COMPONENTS.signing);
    expect(componentOf('node:internal/streams/readable', 'Readable.read')).toBeUndefined();
  });

  it('gives a sample to the innermost frame a rule matches: a socket write under ioredis is Redis I/O, under the HTTP response it is not', () => {
    const write: [string, string][] = [
      ['writeGeneric', 'node:internal/stream_base_commons'],
      ['writeUtf8String', ''],
    ];
    const profile = profileOf([
      [['dispatch', `${ROOT}node_modules/koa-compose/index.js`], ['sendCommand', `${ROOT}node_modules/ioredis/built/Redis.js`], ...write],
      [['respond', `${ROOT}node_modules/koa/lib/application.js`], ['end', 'node:_http_outgoing'], ...write],
      [['dispatch', `${ROOT}node_modules/koa-compose/index.js`], ['somethingNew', 'node:internal/streams/readable']],
      [['(program)', '']],
    ]);
    const result = breakdown(profile);
    expect(Object.fromEntries(result.byComponent)).toEqual({ [COMPONENTS.redis]: 100, [COMPONENTS.response]: 100, [COMPONENTS.routing]: 100 });
    expect(result.busy).toBe(300);
    expect(result.idle).toBe(100);
  });

  it('counts a sample no frame of which matches as other, and lists its function to write a rule for', () => {
    const result = breakdown(profileOf([[['mystery', `${ROOT}lib/unknown.js`]]]));
    expect(result.byComponent.get(COMPONENTS.other)).toBe(100);
    expect([...result.unclassified.keys()]).toEqual([`mystery ${ROOT}lib/unknown.js:1`]);
  });
});
