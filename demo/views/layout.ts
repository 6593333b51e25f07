/** The page frame: head, top bar with navigation and account, flash messages, footer. */
import type { DemoFlash } from '../context.js'
import type { DemoUser } from '../users.js'
import { type Html, type HtmlValue, html } from './html.js'

/** What every page needs besides its own content. */
export interface ViewContext {
  path: string
  user: DemoUser | null
  /** The session's CSRF token, for the hidden _csrf field of every form. */
  csrf: string
  /** This request's flash messages, already read (so they show once). */
  flashes: Partial<DemoFlash>
  cartCount: number
}

/** The hidden field every form carries. */
export function csrfField(view: ViewContext): Html {
  return html`<input type="hidden" name="_csrf" value="${view.csrf}">`
}

function navLink(view: ViewContext, href: string, label: HtmlValue): Html {
  const current = view.path === href ? html` aria-current="page"` : null
  return html`<a href="${href}"${current}>${label}</a>`
}

function account(view: ViewContext): Html {
  if (view.user === null) {
    return html`<div class="account"><span>Not signed in</span><a class="button" href="/login">Sign in</a></div>`
  }
  return html`<div class="account">
      <span>Signed in as <strong data-testid="current-user">${view.user.name}</strong></span>
      <form class="inline" method="post" action="/logout">${csrfField(view)}<button class="secondary" type="submit">Sign out</button></form>
    </div>`
}

function flashes(view: ViewContext): Html {
  const { notice, alert } = view.flashes
  return html`${notice ? html`<div class="flash notice" role="status">${notice}</div>` : null}${
    alert ? html`<div class="flash alert" role="alert">${alert}</div>` : null
  }`
}

export function layout(view: ViewContext, title: string, content: Html): Html {
  const cart = view.cartCount > 0 ? html` <span class="badge">${view.cartCount}</span>` : null
  const signedIn = view.user !== null
  return html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Engine Room</title>
<link rel="stylesheet" href="/assets/app.css">
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
</head>
<body>
<header class="topbar"><div class="inner">
  <a class="brand" href="/"><span class="logo">⚙</span>Engine Room</a>
  <nav class="nav">
    ${navLink(view, '/', 'Shop')}
    ${navLink(view, '/cart', html`Cart${cart}`)}
    ${signedIn ? navLink(view, '/profile', 'Profile') : null}
    ${signedIn ? navLink(view, '/devices', 'Devices') : null}
  </nav>
  ${account(view)}
</div></header>
<main>
${flashes(view)}
${content}
</main>
<footer>A demo of <strong>sessionkit</strong>: sessions in SQLite, IDs hashed at rest, every form protected by a CSRF token. Nothing here is for sale.</footer>
</body>
</html>`
}
