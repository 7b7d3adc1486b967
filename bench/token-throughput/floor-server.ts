// The floor's HTTP half: a bare Koa app (no oidc-provider, no middleware) that answers POST /token the cheapest way a
// token endpoint could: read the urlencoded body, parse it, answer a JSON body of the size of Purser's token response
// with the headers RFC 6749 §5.1 asks for. Forked by run.ts (servers.ts) and loaded like the other targets.
import Koa from 'koa';

import { answerMemoryRequests } from './heap-report.ts';

const [port, bytes] = process.argv.slice(2).map(Number);
if (!port || !bytes || !process.send) throw new Error('usage (forked): floor-server.ts <port> <response bytes>');

/** A token response whose JSON is exactly `bytes` long (the access token is padding). */
function tokenResponse(size: number): Record<string, unknown> {
  const body = { access_token: '', expires_in: 600, token_type: 'Bearer', scope: 'bench:read' };
  body.access_token = 'x'.repeat(Math.max(0, size - JSON.stringify(body).length));
  return body;
}

const template = tokenResponse(bytes);
const app = new Koa();
app.use(async (ctx) => {
  if (ctx.method !== 'POST' || ctx.path !== '/token') {
    ctx.status = 404;
    return;
  }
  let text = '';
  ctx.req.setEncoding('utf8');
  for await (const chunk of ctx.req) text += chunk as string;
  const params = new URLSearchParams(text);
  if (!params.get('grant_type')) {
    ctx.status = 400;
    ctx.body = { error: 'invalid_request' };
    return;
  }
  ctx.set('cache-control', 'no-store');
  // A new object each time, serialised by Koa, as a real response would be.
  ctx.body = { ...template };
});

const server = app.listen(port, '127.0.0.1', () => process.send!({ ready: `http://127.0.0.1:${port}` }));
answerMemoryRequests();
process.once('SIGTERM', () => server.close(() => process.exit(0)));
