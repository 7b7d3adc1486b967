// The catalog watch: of the OAuthClients whose status names a client_id, those without a record are queued (one
// question to the store); resources being deleted or holding nothing are not asked about.
import { describe, expect, it } from 'vitest';

import { reconcile } from '../../../src/controller/reconcile/index.ts';
import { catalogWatch } from '../../../src/controller/runnables/catalog-watch.ts';
import { FakeCluster, oauthClient, testContext } from './fakes.ts';

describe('catalogWatch', () => {
  it('queues the clients whose record is gone, and reconciling one writes it back with a Warning Event', async () => {
    const cluster = new FakeCluster([oauthClient('kept'), oauthClient('lost'), oauthClient('waiting', { secretName: 'nope', generateSecret: false })]);
    const ctx = testContext({ cluster });
    for (const name of ['kept', 'lost', 'waiting']) await reconcile(ctx, `team/${name}`);
    await catalogWatch(ctx)();
    expect(ctx.enqueued).toEqual([]);

    await ctx.store.clients.delete('lost.team');
    const asked: string[][] = [];
    const missing = ctx.store.clients.missing.bind(ctx.store.clients);
    ctx.store.clients.missing = async (ids) => (asked.push([...ids]), missing(ids));
    await catalogWatch(ctx)();
    // One question for every held client_id; 'waiting' holds none.
    expect(asked).toEqual([['kept.team', 'lost.team']]);
    expect(ctx.enqueued).toEqual(['team/lost']);

    await reconcile(ctx, 'team/lost');
    expect(await ctx.store.clients.get('lost.team')).toBeDefined();
    expect(ctx.events.at(-1)).toMatchObject({ type: 'Warning', reason: 'ClientRecordRestored' });
  });
});
