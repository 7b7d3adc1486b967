// The page shell every Purser page shares: language, viewport, the inline stylesheet, the product name.
import { html, type SafeHtml, trustedHtml } from './html.ts';
import { STYLES } from './styles.ts';


export const PRODUCT_NAME = 'Purser';

export interface PageInput {
  /** The page's subject; the document title adds the product name. */
  title: string;
  body: SafeHtml;
}

export function layout({ title, body }: PageInput): string {
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${title} · ${PRODUCT_NAME}</title>
<style>${trustedHtml(STYLES)}</style>
</head>
<body>
<main>
<p class="brand">${PRODUCT_NAME}</p>
${body}
</main>
</body>
</html>
`.value;
}
