// oidc-provider reads a form from `req.body` when upstream middleware already consumed the stream (the fast path hands
// a body back this way, form.ts), and says so once per process with a console warning meant for apps that mount a body
// parser in front of it by mistake. Here the hand-back is deliberate: the warning is spent at start, silently, rather
// than printed as a non-JSON line into the server's log at the first request the fast path hands over.
import { urlencoded } from 'oidc-provider/lib/shared/selective_body.js';

/** Runs oidc-provider's form parser once on an already read (empty) body, with its one-time warning swallowed. */
export function spendPreReadBodyWarning(): void {
  const warn = console.warn;
  console.warn = () => undefined;
  try {
    // The warning is written synchronously, before the parser's first await.
    const ctx = { method: 'POST', is: () => true, req: { readable: false, body: '' }, request: {}, oidc: {} };
    void urlencoded(ctx, async () => undefined).catch(() => undefined);
  } finally {
    console.warn = warn;
  }
}
