// A page for anything that stops a flow: what happened, and what the person can do about it.
import { html, type SafeHtml } from './html.ts';
import { layout } from './layout.ts';

export interface ErrorPageInput {
  title: string;
  /** What happened and what to do next, in plain words. */
  message: string | SafeHtml;
  /** Technical details (e.g. an OAuth error code), shown small, for whoever the person asks for help. */
  details?: ReadonlyArray<readonly [term: string, description: string | undefined]>;
}

export function errorPage({ title, message, details = [] }: ErrorPageInput): string {
  const shown = details.filter(([, description]) => description);
  return layout({
    title,
    body: html`<h1>${title}</h1>
<p>${message}</p>
${shown.length > 0 && html`<dl class="muted">${shown.map(([term, description]) => html`<dt>${term}</dt><dd><code>${description}</code></dd>`)}</dl>`}`,
  });
}
