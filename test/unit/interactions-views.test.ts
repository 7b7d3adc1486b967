import { describe, expect, it } from 'vitest';
import type { KoaContextWithOIDC } from 'oidc-provider';

import { csrfTokenFor, isValidCsrfToken } from '../../src/server/interactions/csrf.ts';
import { consentPage } from '../../src/server/views/consent.ts';
import { errorPage } from '../../src/server/views/error.ts';
import { PAGE_HEADERS } from '../../src/server/views/headers.ts';
import { escapeHtml, html, trustedHtml } from '../../src/server/views/html.ts';
import { loginPage } from '../../src/server/views/login.ts';
import { logoutSource, postLogoutSuccessSource } from '../../src/server/views/provider-pages.ts';
import { STYLES, STYLES_CSP_SOURCE } from '../../src/server/views/styles.ts';

const SCRIPT = '<script>alert("x")</script>';
const ESCAPED_SCRIPT = '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;';

const LOGIN = { action: '/interaction/abc/login', abortAction: '/interaction/abc/abort', csrf: 'token-1', clientName: 'Shop' };

/** Just enough of oidc-provider's context for the page functions: what they read and what they set. */
function fakeOidcContext(client?: { clientId: string; clientName?: string }, status = 200) {
  const headers: Record<string, string> = {};
  const ctx = {
    status,
    type: '',
    body: '' as unknown,
    oidc: { client },
    set(fields: Record<string, string>) {
      Object.assign(headers, fields);
    },
  };
  return { ctx: ctx as unknown as KoaContextWithOIDC & { body: string }, headers };
}

describe('escapeHtml', () => {
  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('renders null and undefined as nothing and numbers as text', () => {
    expect(escapeHtml(undefined)).toBe('');
    expect(escapeHtml(null)).toBe('');
    expect(escapeHtml(42)).toBe('42');
  });

  it('is applied to every value the html template interpolates, except trusted markup', () => {
    const items = [SCRIPT, trustedHtml('<b>ok</b>')];
    expect(html`<p title="${SCRIPT}">${items}${false}${undefined}</p>`.value).toBe(
      `<p title="${ESCAPED_SCRIPT}">${ESCAPED_SCRIPT}<b>ok</b></p>`,
    );
  });
});

describe('pages escape what they are given', () => {
  it('consent page: a client name, account and scopes with markup come out escaped', () => {
    const page = consentPage({
      ...LOGIN,
      action: '/interaction/abc/confirm',
      clientName: SCRIPT,
      accountId: SCRIPT,
      access: { scopes: ['openid', SCRIPT], claims: [SCRIPT], resources: { [SCRIPT]: [SCRIPT] } },
    });
    expect(page).not.toContain('<script>');
    expect(page).toContain(`Allow <strong>${ESCAPED_SCRIPT}</strong>`);
    expect(page).toContain('Know who you are (your username)');
  });

  it('consent page: an API is named and each scope described in its OAuthAPI\'s words, escaped', () => {
    const page = consentPage({
      ...LOGIN,
      action: '/interaction/abc/confirm',
      clientName: 'Shop',
      accountId: 'alice',
      access: {
        scopes: [],
        claims: [],
        resources: { 'https://inventory.test': ['inventory:read', 'inventory:raw'] },
        apis: { 'https://inventory.test': { displayName: 'Inventory', descriptions: { 'inventory:read': `See the stock ${SCRIPT}` } } },
      },
    });
    expect(page).not.toContain('<script>');
    expect(page).toContain(`<li>Inventory: See the stock ${ESCAPED_SCRIPT} (<code>inventory:read</code>); <code>inventory:raw</code></li>`);
  });

  it("consent page: a scope named like an Object member (constructor, toString) without words keeps its name", () => {
    const page = consentPage({
      ...LOGIN,
      action: '/interaction/abc/confirm',
      clientName: 'Shop',
      accountId: 'alice',
      access: { scopes: [], claims: [], resources: { 'https://inventory.test': ['constructor', 'toString'] }, apis: { 'https://inventory.test': { displayName: 'Inventory', descriptions: {} } } },
    });
    expect(page).toContain('<li>Inventory: <code>constructor</code>; <code>toString</code></li>');
  });

  it('login page: client name, username and error come out escaped', () => {
    const page = loginPage({ ...LOGIN, clientName: SCRIPT, username: SCRIPT, error: SCRIPT });
    expect(page).not.toContain('<script>');
    expect(page).toContain(`value="${ESCAPED_SCRIPT}"`);
  });

  it('a form field value cannot break out of its attribute', () => {
    const page = loginPage({ ...LOGIN, csrf: '"><script>', username: '" autofocus onfocus="x' });
    expect(page).toContain('value="&quot;&gt;&lt;script&gt;"');
    expect(page).not.toContain('onfocus="x');
  });

  it('error page: details with markup come out escaped', () => {
    const page = errorPage({ title: SCRIPT, message: SCRIPT, details: [['Error', SCRIPT], ['Empty', undefined]] });
    expect(page).not.toContain('<script>');
    expect(page).not.toContain('Empty');
  });
});

describe('login page', () => {
  it('labels both fields and gives password managers their autocomplete hints', () => {
    const page = loginPage(LOGIN);
    expect(page).toContain('<html lang="en">');
    expect(page).toContain('<main>');
    expect(page).toContain('<label for="username">Username</label>');
    expect(page).toContain('<label for="password">Password</label>');
    expect(page).toMatch(/<input id="username" name="username" type="text" autocomplete="username"[^>]* required/);
    expect(page).toMatch(/<input id="password" name="password" type="password" autocomplete="current-password"[^>]* required/);
    expect(page).toContain('<input type="hidden" name="csrf" value="token-1">');
    expect(page).toContain('<form method="post" action="/interaction/abc/login">');
    expect(page).toContain('formaction="/interaction/abc/abort" formnovalidate');
  });

  it('without an error, shows no alert and points no field at one', () => {
    const page = loginPage(LOGIN);
    expect(page).not.toContain('role="alert"');
    expect(page).not.toContain('aria-describedby');
  });

  it('announces an error and ties both fields to it', () => {
    const page = loginPage({ ...LOGIN, username: 'alice', error: 'Wrong username or password' });
    expect(page).toContain('<p id="login-error" class="alert" role="alert">Wrong username or password</p>');
    expect(page.match(/aria-describedby="login-error"/g)).toHaveLength(2);
    // The username is kept, so typing starts in the password field.
    expect(page).toMatch(/<input id="password"[^>]* autofocus/);
  });
});

describe('CSRF tokens', () => {
  const key = Buffer.alloc(32, 7);

  it('accepts the token of the same interaction under the same key', () => {
    expect(isValidCsrfToken(key, 'uid-1', csrfTokenFor(key, 'uid-1'))).toBe(true);
  });

  it('rejects the token of another interaction', () => {
    expect(isValidCsrfToken(key, 'uid-2', csrfTokenFor(key, 'uid-1'))).toBe(false);
  });

  it('rejects a token made with another key', () => {
    expect(isValidCsrfToken(key, 'uid-1', csrfTokenFor(Buffer.alloc(32, 8), 'uid-1'))).toBe(false);
  });

  it('rejects missing, non-string, truncated and extended tokens without throwing', () => {
    const token = csrfTokenFor(key, 'uid-1');
    for (const presented of [undefined, '', ['x'], 42, token.slice(1), `${token}x`, token.toUpperCase()]) {
      expect(isValidCsrfToken(key, 'uid-1', presented)).toBe(false);
    }
  });

  it('is URL- and attribute-safe', () => {
    expect(csrfTokenFor(key, 'uid-1')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe('provider pages', () => {
  it('logoutSource embeds oidc-provider\'s form as is; only "Yes" sends logout (any value ends the session)', async () => {
    const { ctx, headers } = fakeOidcContext({ clientId: 'shop.default', clientName: SCRIPT });
    const form = '<form id="op.logoutForm" method="post" action="/session/end/confirm"><input type="hidden" name="xsrf" value="abc"/></form>';
    await logoutSource(ctx, form);
    expect(ctx.body).toContain(form);
    expect(ctx.body).toContain(`Sign out of ${ESCAPED_SCRIPT}?`);
    expect(ctx.body).toContain('<button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>');
    expect(ctx.body).toContain('<button type="submit" form="op.logoutForm" class="secondary">No, stay signed in</button>');
    expect(ctx.body.match(/name="logout"/g)).toHaveLength(1);
    expect(headers['X-Frame-Options']).toBe('DENY');
  });

  it('logoutSource without a client names the product', async () => {
    const { ctx } = fakeOidcContext();
    await logoutSource(ctx, '<form id="op.logoutForm"></form>');
    expect(ctx.body).toContain('Sign out of Purser?');
  });

  it('postLogoutSuccessSource names the client by its client_id when it has no name', async () => {
    const { ctx } = fakeOidcContext({ clientId: 'shop.default' });
    await postLogoutSuccessSource(ctx);
    expect(ctx.type).toBe('html');
    expect(ctx.body).toContain('You are signed out');
    expect(ctx.body).toContain('<strong>shop.default</strong>');
  });
});

describe('page headers', () => {
  it('forbid caching, framing, referrers and everything but the one inline stylesheet', () => {
    expect(PAGE_HEADERS).toMatchObject({ 'Cache-Control': 'no-store', 'X-Frame-Options': 'DENY', 'Referrer-Policy': 'no-referrer' });
    const csp = PAGE_HEADERS['Content-Security-Policy'];
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain(`style-src ${STYLES_CSP_SOURCE}`);
    expect(csp).not.toContain('unsafe-inline');
  });

  it('the layout inlines exactly the stylesheet the CSP hash admits', () => {
    expect(loginPage(LOGIN)).toContain(`<style>${STYLES}</style>`);
  });
});
