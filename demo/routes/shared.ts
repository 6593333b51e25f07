/** What the routes have in common: the route shape, the view context, the cart. */
import { csrfToken } from '../../src/index.js'
import type { DemoSession, RequestContext } from '../context.js'
import type { Reply } from '../http.js'
import type { DemoUser } from '../users.js'
import type { ViewContext } from '../views/layout.js'

export interface Route {
  method: 'GET' | 'POST'
  path: string
  /** Signed-in users only; others are sent to /login. */
  auth?: boolean
  handle(ctx: RequestContext): Promise<Reply> | Reply
}

/** A route that declared `auth` gets a user; this narrows the type for it. */
export function signedIn(ctx: RequestContext): DemoUser {
  if (ctx.user === null) throw new Error(`${ctx.url.pathname} is declared auth but has no user`)
  return ctx.user
}

export function cartOf(session: DemoSession): Record<string, number> {
  return session.get('cart') ?? {}
}

function itemCount(cart: Record<string, number>): number {
  return Object.values(cart).reduce((sum, quantity) => sum + quantity, 0)
}

/**
 * The view context of a full page: it reads this request's flash messages (so they show once)
 * and makes sure the session has a CSRF token for the page's forms.
 */
export function viewOf(ctx: RequestContext): ViewContext {
  return {
    path: ctx.url.pathname,
    user: ctx.user,
    csrf: csrfToken(ctx.session),
    flashes: ctx.session.flashes(),
    cartCount: itemCount(cartOf(ctx.session)),
  }
}

/**
 * The view context of an error page: it leaves the flash messages for the next real page, and
 * gives an anonymous visitor no token (and so no session) just for seeing an error.
 */
export function errorViewOf(ctx: RequestContext): ViewContext {
  return {
    path: ctx.url.pathname,
    user: ctx.user,
    csrf: ctx.user === null ? '' : csrfToken(ctx.session),
    flashes: {},
    cartCount: itemCount(cartOf(ctx.session)),
  }
}
