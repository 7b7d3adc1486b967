// A minimal browser for the login and consent pages: a cookie jar, manual redirects, and form submission.
// Pages are real server-rendered HTML; this only reads the form's action and hidden fields, as a browser would.

export interface Page {
  url: string;
  status: number;
  body: string;
  location?: string;
}

const decode = (value: string) => value.replaceAll('&amp;', '&').replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>');

export class Browser {
  readonly #cookies = new Map<string, string>();
  /** Every cookie value the server ever set, for tests that check none is stored in plain form. */
  readonly seenCookieValues = new Set<string>();
  /** Headers sent with every request, e.g. the X-Forwarded-For a proxy in front would add. */
  readonly headers: Record<string, string> = {};
  readonly #fetch: typeof fetch;

  /** `options.fetch` replaces the global fetch, e.g. to send a Host header fetch would drop (test/support/raw-http.ts). */
  constructor(options: { fetch?: typeof fetch } = {}) {
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  async get(url: string): Promise<Page> {
    return this.#request(url, { method: 'GET' });
  }

  /** Submits the page's first POST form (or the button with `formaction` ending in `via`), with `fields` added. */
  async submit(page: Page, fields: Record<string, string> = {}, via?: string): Promise<Page> {
    const form = /<form[^>]*method="post"[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/i.exec(page.body);
    if (!form) throw new Error(`no form on ${page.url} (status ${page.status}):\n${page.body.slice(0, 500)}`);
    let action = decode(form[1]!);
    if (via) {
      const button = [...form[2]!.matchAll(/formaction="([^"]+)"/g)].map((m) => decode(m[1]!)).find((a) => a.endsWith(via));
      if (!button) throw new Error(`no button posting to ...${via} on ${page.url}`);
      action = button;
    }
    const hidden = Object.fromEntries([...form[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1]!, decode(m[2]!)]));
    return this.#request(new URL(action, page.url).href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...hidden, ...fields }).toString(),
    });
  }

  /**
   * Follows redirects from `page`, across hosts, until one leaves for `stopAt` (a client's redirect URI: the redirect
   * is returned, not followed) or a page renders. Without `stopAt`, only a rendered page ends it.
   */
  async follow(page: Page, stopAt?: string): Promise<Page> {
    let current = page;
    for (let hops = 0; current.location && hops < 10; hops++) {
      const next = new URL(current.location, current.url).href;
      if (stopAt !== undefined && next.startsWith(stopAt)) return { ...current, location: next };
      current = await this.get(next);
    }
    return current;
  }

  async #request(url: string, init: RequestInit): Promise<Page> {
    const host = new URL(url).host;
    const cookie = [...this.#cookies].filter(([key]) => key.startsWith(`${host}|`)).map(([key, value]) => `${key.split('|')[1]}=${value}`).join('; ');
    const response = await this.#fetch(url, { ...init, redirect: 'manual', headers: { ...this.headers, ...(init.headers as Record<string, string>), accept: 'text/html', ...(cookie ? { cookie } : {}) } });
    for (const header of response.headers.getSetCookie()) {
      const [pair] = header.split(';');
      const index = pair!.indexOf('=');
      const name = pair!.slice(0, index);
      const value = pair!.slice(index + 1);
      if (/expires=Thu, 01 Jan 1970/i.test(header) || value === '') this.#cookies.delete(`${host}|${name}`);
      else {
        this.#cookies.set(`${host}|${name}`, value);
        this.seenCookieValues.add(value);
      }
    }
    return { url, status: response.status, body: await response.text(), location: response.headers.get('location') ?? undefined };
  }
}
