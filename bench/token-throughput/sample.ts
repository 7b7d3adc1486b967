// Redis traffic per token request, counted on sequential requests (one at a time, so nothing else shares a
// round trip): network reads Redis processed, commands Purser sent, commands its Lua scripts ran.
import { basicAuth, WEBAPP } from './bench-clients.ts';
import type { CommandSample, RedisProbe } from './redis-probe.ts';
import type { TokenRequest } from './scenarios.ts';

export interface RedisSample extends CommandSample {
  requests: number;
  /** total_reads_processed delta / requests. */
  roundTrips: number;
}

async function token(url: string, { authorization, body }: TokenRequest): Promise<{ refresh_token?: string }> {
  const headers = { 'content-type': 'application/x-www-form-urlencoded', ...(authorization ? { authorization } : {}) };
  const response = await fetch(`${url}/token`, { method: 'POST', headers, body });
  const json = (await response.json()) as { refresh_token?: string };
  if (!response.ok) throw new Error(`sample request failed (${response.status}): ${JSON.stringify(json)}`);
  return json;
}

async function sample(probe: RedisProbe, requests: number, send: () => Promise<void>): Promise<RedisSample> {
  for (let i = 0; i < 5; i++) await send(); // caches and connections as they are under load
  let reads = 0;
  const commands = await probe.monitor(async () => {
    const before = await probe.counters();
    for (let i = 0; i < requests; i++) await send();
    reads = probe.delta(before, await probe.counters()).reads;
  });
  return { requests, roundTrips: reads / requests, ...perRequest(commands, requests) };
}

function perRequest({ sent, scripted }: CommandSample, requests: number): CommandSample {
  const divide = (counts: Record<string, number>) => Object.fromEntries(Object.entries(counts).map(([name, n]) => [name, n / requests]));
  return { sent: divide(sent), scripted: divide(scripted) };
}

/** client_credentials, as one of its scenarios sends it (a secret or a client assertion; JWT or opaque). */
export function sampleClientCredentials(probe: RedisProbe, url: string, requests: number, request: TokenRequest): Promise<RedisSample> {
  return sample(probe, requests, async () => {
    await token(url, request);
  });
}

export function sampleRefresh(probe: RedisProbe, url: string, requests: number, refreshToken: string): Promise<RedisSample> {
  let current = refreshToken;
  return sample(probe, requests, async () => {
    const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: current }).toString();
    current = (await token(url, { authorization: basicAuth(WEBAPP), body })).refresh_token!;
  });
}
