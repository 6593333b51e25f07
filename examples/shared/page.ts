/**
 * The one page every example serves, so each server.ts shows only its framework's wiring:
 * a counter kept in the session, a flash message, and a sign-in or sign-out form.
 */
import { randomBytes } from 'node:crypto'

/** The session's data in every example. */
export type ExampleData = { visits: number }
/** The flash values in every example (read once, on the next request). */
export type ExampleFlash = { notice: string }

/** What the page shows. */
export interface PageState {
  framework: string
  user: string | null
  visits: number
  notice: string | null
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

/** User input goes into the page only escaped. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char)
}

/** The page as HTML. */
export function renderPage({ framework, user, visits, notice }: PageState): string {
  const account =
    user === null
      ? `<form method="post" action="/login">
  <label>Name <input name="name" required autofocus></label> <button>Sign in</button>
</form>`
      : `<p>Signed in as <strong>${escapeHtml(user)}</strong>.</p>
<form method="post" action="/logout"><button>Sign out</button></form>`
  return `<!doctype html>
<meta charset="utf-8">
<title>sessionkit + ${framework}</title>
<h1>sessionkit + ${framework}</h1>
${notice === null ? '' : `<p role="status"><em>${escapeHtml(notice)}</em></p>`}
<p>You have seen this page <strong id="visits">${visits}</strong> time(s) in this session.</p>
${account}
`
}

/** The name a sign-in form posted, trimmed; null when there is none. */
export function nameFrom(
  form: URLSearchParams | FormData | Record<string, unknown>,
): string | null {
  const value =
    form instanceof URLSearchParams || form instanceof FormData ? form.get('name') : form.name
  const name = typeof value === 'string' ? value.trim().slice(0, 64) : ''
  return name === '' ? null : name
}

/** The port to listen on: PORT, or the example's own default. */
export function portFrom(fallback: number): number {
  const port = Number(process.env.PORT ?? fallback)
  return Number.isInteger(port) && port >= 0 ? port : fallback
}

/**
 * The secret: SESSION_SECRET, or a random one for this process (sessions then end when it
 * restarts). Never ship the fallback: every instance must share the same secrets.
 */
export function exampleSecret(): string {
  return process.env.SESSION_SECRET ?? randomBytes(32).toString('base64url')
}
