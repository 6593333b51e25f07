import { DEMO_CREDENTIALS } from '../users.js'
import { html } from './html.js'
import { csrfField, layout, type ViewContext } from './layout.js'

export interface LoginForm {
  username: string
  /** Where to go after signing in (a local path). */
  next: string | null
  error: string | null
  /**
   * Set when the browser reached the demo on a host where it will likely refuse the Secure
   * session cookie (plain http on anything but localhost).
   */
  cookieWarning: string | null
}

export function loginPage(view: ViewContext, form: LoginForm) {
  const users = DEMO_CREDENTIALS.map(
    ({ username, password }) => html`<li><code>${username}</code> / <code>${password}</code></li>`,
  )
  return layout(
    view,
    'Sign in',
    html`<div class="narrow">
  <div class="card">
    <h1>Sign in</h1>
    <p class="muted">Signing in gives your session a new ID, so an ID planted before sign-in is worthless.</p>
    ${form.error ? html`<div class="flash alert" role="alert" data-testid="login-error">${form.error}</div>` : null}
    <form method="post" action="/login">
      ${csrfField(view)}
      ${form.next ? html`<input type="hidden" name="next" value="${form.next}">` : null}
      <label for="username">Username</label>
      <input id="username" name="username" type="text" autocomplete="username" required value="${form.username}">
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required>
      <div class="actions"><button type="submit">Sign in</button></div>
    </form>
  </div>
  <div class="card">
    <h2>Demo users</h2>
    <ul>${users}</ul>
    <p class="muted">Sign in as the same user in a second browser (or a private window), then open
    <strong>Devices</strong> to see both sessions and sign one out.</p>
  </div>
  ${form.cookieWarning ? html`<p class="hint">${form.cookieWarning}</p>` : null}
</div>`,
  )
}
