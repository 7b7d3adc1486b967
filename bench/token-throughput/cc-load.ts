// Load generator child: client_credentials token requests with autocannon, a warm-up run then a measured run.
import autocannon from 'autocannon';

import { jobOf, report, type ClientCredentialsJob } from './load-protocol.ts';

const job = jobOf<ClientCredentialsJob>();
const options = {
  url: `${job.url}/token`,
  method: 'POST',
  connections: job.connections,
  headers: { ...(job.authorization ? { authorization: job.authorization } : {}), 'content-type': 'application/x-www-form-urlencoded' },
  body: job.body,
};

try {
  const warm = await autocannon({ ...options, duration: job.warmup });
  report({ phase: 'measuring' });
  const run = await autocannon({ ...options, duration: job.duration });
  report({
    phase: 'done',
    result: {
      ok: run['2xx'],
      errors: run.non2xx + run.errors + run.timeouts,
      sent: warm.requests.sent + run.requests.sent,
      seconds: run.duration,
      latencyMs: { p50: run.latency.p50, p99: run.latency.p99, mean: run.latency.mean },
      ...(run.non2xx + run.errors + run.timeouts ? { firstError: `${run.non2xx} non-2xx, ${run.errors} errors, ${run.timeouts} timeouts` } : {}),
    },
  });
} catch (error) {
  report({ phase: 'failed', error: String((error as Error).stack ?? error) });
}
