// Redis counters for the report: commands executed (INFO commandstats), network reads (INFO stats
// total_reads_processed: one per batch of commands a client sends, so one per round trip when requests are
// sequential) and Redis's own CPU time; and MONITOR, to tell commands sent by Purser from commands run by its
// Lua scripts.
import { Redis } from 'ioredis';

export interface RedisCounters {
  /** Calls by command name, commands run inside Lua scripts included. */
  commands: Record<string, number>;
  reads: number;
  cpuSeconds: number;
}

export interface CommandSample {
  /** Commands received from clients (what costs a network trip or shares one through pipelining), by name. */
  sent: Record<string, number>;
  /** Commands run by Lua scripts, by name. */
  scripted: Record<string, number>;
}

/** Commands the probe itself sends; left out of every count. */
const OWN = new Set(['info', 'monitor', 'ping', 'client|setinfo', 'client|setname', 'client', 'hello']);

function parseInfo(text: string): RedisCounters {
  const commands: Record<string, number> = {};
  const fields = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const stat = /^cmdstat_([^:]+):calls=(\d+)/.exec(line);
    if (stat) {
      if (!OWN.has(stat[1]!)) commands[stat[1]!] = Number(stat[2]);
      continue;
    }
    const index = line.indexOf(':');
    if (index > 0) fields.set(line.slice(0, index), line.slice(index + 1));
  }
  return {
    commands,
    reads: Number(fields.get('total_reads_processed') ?? NaN),
    cpuSeconds: Number(fields.get('used_cpu_user') ?? NaN) + Number(fields.get('used_cpu_sys') ?? NaN),
  };
}

export class RedisProbe {
  readonly #url: string;
  readonly #redis: Redis;

  constructor(url: string) {
    this.#url = url;
    this.#redis = new Redis(url, { maxRetriesPerRequest: 1 });
  }

  async counters(): Promise<RedisCounters> {
    return parseInfo(String(await this.#redis.call('INFO', 'stats', 'commandstats', 'cpu')));
  }

  /** Counter deltas; the reads of the INFO command that took `after` are left out. */
  delta(before: RedisCounters, after: RedisCounters): RedisCounters {
    const commands: Record<string, number> = {};
    for (const [name, calls] of Object.entries(after.commands)) {
      const delta = calls - (before.commands[name] ?? 0);
      if (delta > 0) commands[name] = delta;
    }
    return { commands, reads: after.reads - before.reads - 1, cpuSeconds: after.cpuSeconds - before.cpuSeconds };
  }

  /** Every command Redis executes while `work` runs, split into sent by clients and run by scripts. */
  async monitor(work: () => Promise<void>): Promise<CommandSample> {
    // monitor() opens a second connection in monitor mode; both are closed afterwards.
    const connection = new Redis(this.#url);
    const monitor = await connection.monitor();
    const sample: CommandSample = { sent: {}, scripted: {} };
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      const name = String(args[0]).toLowerCase();
      if (OWN.has(name)) return;
      const counts = source === 'lua' ? sample.scripted : sample.sent;
      counts[name] = (counts[name] ?? 0) + 1;
    });
    try {
      await work();
      // MONITOR lines travel on their own connection: let the last ones arrive.
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      monitor.disconnect();
      connection.disconnect();
    }
    return sample;
  }

  async close(): Promise<void> {
    await this.#redis.quit();
  }
}
