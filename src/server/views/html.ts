// HTML built by a tagged template that escapes every interpolated value unless it is already trusted markup.
// Escaping by default means a forgotten escapeHtml() cannot become an injection.

/** Markup that is safe to insert as is: produced by `html`, or vouched for with `trustedHtml`. */
export class SafeHtml {
  readonly value: string;

  constructor(value: string) {
    this.value = value;
  }

  toString(): string {
    return this.value;
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe for element content and quoted attribute values. `null`/`undefined` become the empty string. */
export function escapeHtml(value: unknown): string {
  if (value === undefined || value === null) return '';
  return String(value).replace(/[&<>"']/g, (char) => ENTITIES[char] ?? char);
}

/** Wraps markup that comes from a trusted producer (e.g. oidc-provider's logout form); never use it on input. */
export function trustedHtml(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

type Interpolation = SafeHtml | string | number | boolean | null | undefined | readonly Interpolation[];

function render(value: Interpolation): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  // false/null/undefined render nothing, so `${condition && html`...`}` reads naturally.
  if (value === false) return '';
  return escapeHtml(value);
}

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, index) => {
    out += render(value) + (strings[index + 1] ?? '');
  });
  return new SafeHtml(out);
}
