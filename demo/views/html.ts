/**
 * HTML templates as tagged template functions. Every interpolated value is escaped unless it is
 * already {@link Html} (the result of another `html` call, or {@link raw} for trusted markup
 * written in this repository), so a user agent, a username or a flash message can never become
 * markup.
 * @module
 */

/** Markup that is safe to put in a page as is. */
export class Html {
  readonly #value: string
  constructor(value: string) {
    this.#value = value
  }
  toString(): string {
    return this.#value
  }
}

/** What a template accepts: nullish and false render as nothing; arrays render each item. */
export type HtmlValue = Html | string | number | boolean | null | undefined | readonly HtmlValue[]

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
}

/** Escapes text for an element body or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (char) => ESCAPES[char] ?? char)
}

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return ''
  if (value instanceof Html) return value.toString()
  if (Array.isArray(value)) return value.map(render).join('')
  return escapeHtml(String(value))
}

/** A template whose interpolations are escaped. */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): Html {
  let out = strings[0] ?? ''
  values.forEach((value, index) => {
    out += render(value) + (strings[index + 1] ?? '')
  })
  return new Html(out)
}

/** Trusted markup written in this repository (never data from a request or the store). */
export function raw(markup: string): Html {
  return new Html(markup)
}
