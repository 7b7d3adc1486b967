// Raw HTTP for the bad-input tests: requests a real client library would never send, and a uniform reading of the
// answer, whether the error came as JSON, as a WWW-Authenticate challenge, as an HTML page or in a redirect.
import { expect } from 'vitest';

export interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | FormData | Uint8Array<ArrayBuffer>;
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** The OAuth error, wherever the server put it: JSON body, error page, or the redirect's query or fragment. */
  error?: string;
  error_description?: string;
  /** The <title> of an HTML page, without the product suffix. */
  title?: string;
}

export const FORM = { 'content-type': 'application/x-www-form-urlencoded' } as const;

/** An application/x-www-form-urlencoded body; pairs keep repeated and odd names, values are taken literally. */
export function form(pairs: Record<string, string> | ReadonlyArray<readonly [string, string]>): string {
  const entries = Array.isArray(pairs) ? pairs : Object.entries(pairs);
  return entries.map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join('&');
}

/** client_secret_basic as RFC 6749 §2.3.1 spells it: form-urlencode each part, then base64 `id:secret`. */
export function basic(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

/** A Basic header over exactly these bytes: for malformed credentials. */
export function rawBasic(credentials: string): string {
  return `Basic ${Buffer.from(credentials).toString('base64')}`;
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&quot;': '"', '&#39;': "'", '&lt;': '<', '&gt;': '>' };
const decode = (value: string) => value.replace(/&(?:amp|quot|#39|lt|gt);/g, (entity) => ENTITIES[entity]!);

function fromPage(text: string): Pick<Answer, 'error' | 'error_description' | 'title'> {
  const details = Object.fromEntries([...text.matchAll(/<dt>([^<]*)<\/dt><dd><code>([^<]*)<\/code><\/dd>/g)].map((m) => [m[1]!, decode(m[2]!)]));
  const title = /<title>([^<]*?)(?: · Purser)?<\/title>/.exec(text)?.[1];
  return { error: details.Error, error_description: details.Description, title: title && decode(title) };
}

function fromJson(text: string): Pick<Answer, 'error' | 'error_description'> {
  try {
    const body = JSON.parse(text) as { error?: unknown; error_description?: unknown };
    return {
      error: typeof body.error === 'string' ? body.error : undefined,
      error_description: typeof body.error_description === 'string' ? body.error_description : undefined,
    };
  } catch {
    return {};
  }
}

function fromRedirect(location: string): Pick<Answer, 'error' | 'error_description'> {
  const url = new URL(location, 'http://relative.invalid');
  const params = new URLSearchParams(url.hash ? url.hash.slice(1) : url.search);
  return { error: params.get('error') ?? undefined, error_description: params.get('error_description') ?? undefined };
}

export async function send(base: string, request: RawRequest): Promise<Answer> {
  const response = await fetch(`${base}${request.path}`, {
    method: request.method ?? 'GET',
    headers: request.headers,
    body: request.body,
    redirect: 'manual',
  });
  const text = await response.text();
  const location = response.headers.get('location');
  const type = response.headers.get('content-type') ?? '';
  const parsed = location ? fromRedirect(location) : type.includes('json') ? fromJson(text) : type.includes('html') ? fromPage(text) : {};
  return { status: response.status, headers: response.headers, text, ...parsed };
}

/** The parameters of an RFC 6750 / RFC 7617 challenge, with its scheme; undefined without the header. */
export function challenge(answer: Answer): { scheme: string; params: Record<string, string> } | undefined {
  const header = answer.headers.get('www-authenticate');
  if (!header) return undefined;
  const [scheme = ''] = header.split(' ', 1);
  // Only the first challenge: oidc-provider may add a DPoP one after the Bearer one.
  const first = header.slice(scheme.length).split(/,\s*(?=[A-Za-z]+ [a-z_]+=)/)[0]!;
  const params = Object.fromEntries([...first.matchAll(/([a-z_]+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
  return { scheme, params };
}

export interface Expected {
  status: number | readonly number[];
  /** The OAuth error code; `null`: the answer must carry none (RFC 6750 §3.1, a request without credentials). */
  error?: string | null;
  /** What error_description must say; by default, when an error is expected, any non-empty text. */
  description?: RegExp | false;
  /** WWW-Authenticate: its scheme and, when a string, the error it names; `null` error: it names none. */
  challenge?: { scheme: 'Basic' | 'Bearer'; error?: string | null };
  /** The page title, for the HTML pages of the login flow (they carry no OAuth error code). */
  page?: RegExp;
  /** Where a redirect goes: `false` asserts there is none. */
  location?: string | false;
  /** The Allow header of a 405 must name this method. */
  allow?: string;
  /** Response headers that must be present, with what they must match. */
  headers?: Record<string, RegExp>;
  /** The exact body: `''` for an RFC 7009 revocation, a JSON object for an RFC 7662 introspection. */
  body?: string | Record<string, unknown>;
}

export function expectAnswer(answer: Answer, expected: Expected): void {
  const summary = `${answer.status} ${answer.headers.get('location') ?? ''} ${answer.text.slice(0, 300)}`;
  if (typeof expected.status === 'number') expect(answer.status, summary).toBe(expected.status);
  else expect(expected.status, summary).toContain(answer.status);
  if (expected.error !== undefined) expect(answer.error ?? null, summary).toBe(expected.error);
  if (expected.error && expected.description !== false) {
    expect(answer.error_description, summary).toEqual(expect.any(String));
    expect(answer.error_description!.trim(), summary).not.toBe('');
    if (expected.description) expect(answer.error_description, summary).toMatch(expected.description);
  }
  if (expected.challenge) {
    const found = challenge(answer);
    expect(found?.scheme, summary).toBe(expected.challenge.scheme);
    if (expected.challenge.error !== undefined) expect(found?.params.error ?? null, summary).toBe(expected.challenge.error);
  }
  if (expected.page) expect(answer.title, summary).toMatch(expected.page);
  if (expected.location === false) expect(answer.headers.get('location'), summary).toBeNull();
  else if (expected.location !== undefined) expect((answer.headers.get('location') ?? '').split(/[?#]/)[0], summary).toBe(expected.location);
  if (expected.allow) expect(answer.headers.get('allow') ?? '', summary).toMatch(new RegExp(`\\b${expected.allow}\\b`));
  for (const [name, value] of Object.entries(expected.headers ?? {})) expect(answer.headers.get(name) ?? '', summary).toMatch(value);
  if (typeof expected.body === 'string') expect(answer.text, summary).toBe(expected.body);
  else if (expected.body) expect(JSON.parse(answer.text), summary).toEqual(expected.body);
}
