import { describe, expect, it } from 'vitest';

import { OwnWrites } from '../../../src/controller/own-writes.ts';

const at = (name: string, resourceVersion: string) => ({ metadata: { namespace: 'team', name, resourceVersion } });

/** Which of the watched versions `own` lets queue, in order. */
function queued(own: OwnWrites, kind: 'OAuthClient' | 'Secret', name: string, versions: string[]): string[] {
  const out: string[] = [];
  for (const version of versions) own.unlessOwn(kind, at(name, version), () => out.push(version));
  return out;
}

describe('OwnWrites', () => {
  it('queues the watch events of anyone else’s changes, not those of the controller’s own writes (finalizer, then status)', async () => {
    const own = new OwnWrites();
    await own.write('OAuthClient', at('app', ''), async () => at('app', '11'));
    await own.write('OAuthClient', at('app', ''), async () => at('app', '12'));
    expect(queued(own, 'OAuthClient', 'app', ['10', '11', '12'])).toEqual(['10']);
    // Seen once: the same version again (a relist) or a later one by someone else queues.
    expect(queued(own, 'OAuthClient', 'app', ['12', '13'])).toEqual(['12', '13']);
  });

  it('holds an event that comes while a write of its object is in flight until the write says whose version it is', async () => {
    const own = new OwnWrites();
    let respond!: () => void;
    const writing = own.write('OAuthClient', at('app', ''), () => new Promise<ReturnType<typeof at>>((resolve) => (respond = () => resolve(at('app', '21')))));
    const out: string[] = [];
    own.unlessOwn('OAuthClient', at('app', '20'), () => out.push('20'));
    own.unlessOwn('OAuthClient', at('app', '21'), () => out.push('21'));
    own.unlessOwn('OAuthClient', at('other', '22'), () => out.push('other 22'));
    expect(out).toEqual(['other 22']);
    respond();
    await writing;
    expect(out).toEqual(['other 22', '20']);
  });

  it('lets everything held queue when the write fails', async () => {
    const own = new OwnWrites();
    const out: string[] = [];
    const writing = own.write('Secret', at('app', ''), async () => {
      own.unlessOwn('Secret', at('app', '5'), () => out.push('5'));
      throw new Error('conflict');
    });
    await expect(writing).rejects.toThrow('conflict');
    expect(out).toEqual(['5']);
  });

  it('keeps kinds and objects apart, forgets older versions once a newer one is seen, and forgets deleted objects', async () => {
    const own = new OwnWrites();
    await own.write('Secret', at('app', ''), async () => at('app', '5'));
    expect(queued(own, 'OAuthClient', 'app', ['5'])).toEqual(['5']);
    expect(queued(own, 'Secret', 'other', ['5'])).toEqual(['5']);
    await own.write('Secret', at('app', ''), async () => at('app', '6'));
    expect(queued(own, 'Secret', 'app', ['6', '5'])).toEqual(['5']);

    await own.write('Secret', at('app', ''), async () => at('app', '7'));
    own.forget('Secret', at('app', '7'));
    expect(queued(own, 'Secret', 'app', ['7'])).toEqual(['7']);
  });
});
