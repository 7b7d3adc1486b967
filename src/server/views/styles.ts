// The one stylesheet every page inlines, and its CSP hash: the policy admits exactly this CSS and nothing else.
import { createHash } from 'node:crypto';

export const STYLES = `
:root{color-scheme:light dark;--bg:#f3f4f6;--card:#fff;--text:#111827;--muted:#4b5563;--border:#d1d5db;
--accent:#1d4ed8;--accent-text:#fff;--danger-bg:#fef2f2;--danger:#b91c1c;--focus:#2563eb}
@media (prefers-color-scheme:dark){:root{--bg:#111827;--card:#1f2937;--text:#f9fafb;--muted:#d1d5db;
--border:#4b5563;--accent:#2563eb;--danger-bg:#451a1a;--danger:#fca5a5;--focus:#93c5fd}}
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;padding:1rem;
background:var(--bg);color:var(--text);line-height:1.5;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{width:100%;max-width:26rem;background:var(--card);border:1px solid var(--border);border-radius:.75rem;
padding:2rem 1.5rem;box-shadow:0 1px 3px rgba(0,0,0,.08),0 8px 24px rgba(0,0,0,.06)}
.brand{margin:0 0 1.25rem;font-size:.875rem;font-weight:600;letter-spacing:.08em;text-transform:uppercase;color:var(--muted)}
h1{margin:0 0 .75rem;font-size:1.375rem;line-height:1.3}
p{margin:0 0 1rem}
.muted{color:var(--muted);font-size:.9375rem}
label{display:block;margin:0 0 .25rem;font-weight:600}
input{display:block;width:100%;margin:0 0 1rem;padding:.625rem .75rem;font:inherit;color:inherit;
background:transparent;border:1px solid var(--border);border-radius:.5rem}
button{font:inherit;font-weight:600;padding:.625rem 1rem;border-radius:.5rem;cursor:pointer;
border:1px solid var(--accent);background:var(--accent);color:var(--accent-text)}
button.secondary{background:transparent;color:var(--text);border-color:var(--border)}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;margin-top:1.5rem}
.actions button{flex:1 1 8rem}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.alert{margin:0 0 1rem;padding:.75rem 1rem;border-radius:.5rem;background:var(--danger-bg);color:var(--danger);font-weight:600}
ul{margin:0 0 1rem;padding-left:1.25rem}
li{margin:.25rem 0}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.875em;overflow-wrap:anywhere}
dl{margin:0 0 1rem}dt{font-weight:600}dd{margin:0 0 .5rem;overflow-wrap:anywhere}
.user-code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:1.5rem;letter-spacing:.15em;text-transform:uppercase;text-align:center}
`;

/** `'sha256-…'` of STYLES, for `style-src`: computed once, so the CSS and the policy cannot drift apart. */
export const STYLES_CSP_SOURCE = `'sha256-${createHash('sha256').update(STYLES).digest('base64')}'`;
