// Runs the store's Lua scripts with as little client work per call as ioredis allows: on a single Redis (standalone or
// Sentinel) one EVALSHA Command written straight to the connection, the calls of one event-loop turn sent in one write;
// on a Cluster through ioredis's auto-pipelining, which batches per node.
import { createHash } from 'node:crypto';

import { Cluster, Command, Redis } from 'ioredis';

/** A Lua script and the SHA-1 that EVALSHA names it by. */
export interface LuaScript {
  readonly lua: string;
  readonly sha: string;
}

export function luaScript(lua: string): LuaScript {
  return { lua, sha: createHash('sha1').update(lua).digest('hex') };
}

/**
 * Runs `script` with `keys` (all of one Cluster slot) and `args`; resolves to its reply with bulk strings as UTF-8
 * strings. A Redis that does not know the script yet (restarted, failed over, SCRIPT FLUSH) answers NOSCRIPT: the call
 * is then sent again with the script's text, which Redis keeps from then on. Rejects with ioredis's own errors, so
 * faults.ts classifies them as before (`commandTimeout`, the offline queue and its retries still apply).
 */
export type RunScript = (script: LuaScript, keys: readonly string[], args: readonly (string | number)[]) => Promise<unknown>;

/**
 * Why not ioredis's `defineCommand` with auto-pipelining: per call it builds a pipeline entry, a Command subclass that
 * rewrites itself, and three more promises, and profiles showed that JavaScript among the largest costs of a refresh.
 */
export function scriptRunner(client: Redis | Cluster): RunScript {
  const send = client instanceof Redis ? directSender(client) : (name: string, args: (string | number)[]) => client.call(name, ...args);
  return (script, keys, args) => {
    const tail = [keys.length, ...keys, ...args];
    return send('evalsha', [script.sha, ...tail]).catch((error: unknown) => {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return send('eval', [script.lua, ...tail]);
    });
  };
}

/**
 * Sends each command at once through `redis.sendCommand` (which queues it while the connection is down), with the
 * socket corked until the event loop's check phase: what the turn asked for leaves in one write, as auto-pipelining
 * would send it, so Redis reads it in one go too.
 *
 * Ordering: a script sent this way reaches Redis BEFORE an auto-pipelined command (plain `redis.set(...)`) issued
 * earlier in the same event-loop turn, which auto-pipelining holds until its own setImmediate. No caller mixes the two
 * on one key within a turn today; one that must (a plain write a script then reads) awaits the write first.
 */
function directSender(redis: Redis): (name: string, args: (string | number)[]) => Promise<unknown> {
  let corked = false;
  return (name, args) => {
    const command = new Command(name, args, { replyEncoding: 'utf8' });
    const { stream } = redis;
    if (!corked && redis.status === 'ready' && stream) {
      corked = true;
      stream.cork();
      setImmediate(() => {
        corked = false;
        stream.uncork();
      });
    }
    // The command's promise, or a traced one when something listens on ioredis's diagnostics channel.
    return redis.sendCommand(command) as Promise<unknown>;
  };
}
