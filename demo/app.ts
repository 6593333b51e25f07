/**
 * The demo's request handling: static assets without a session, then for every other request
 * the CSRF check (on any POST, before anything else), routing, the sign-in guard, and the reply.
 * @module
 */
import { type NodeRequestListener, nodeSessions } from '../src/adapters/node.js'
import { verifyCsrf } from '../src/index.js'
import type { DemoManager, RequestContext } from './context.js'
import { BodyTooLargeError, page, type Reply, readForm, redirect, send } from './http.js'
import { accountRoutes } from './routes/account.js'
import { apiRoutes } from './routes/api.js'
import { authRoutes } from './routes/auth.js'
import { errorViewOf, type Route } from './routes/shared.js'
import { shopRoutes } from './routes/shop.js'
import { STYLESHEET } from './styles.js'
import { findUser } from './users.js'
import { forbiddenPage, methodNotAllowedPage, notFoundPage, tooLargePage } from './views/errors.js'
import type { SessionPolicy } from './views/profile.js'

export interface AppOptions {
  /** Whether the session cookie is Secure; the login page warns when a browser may drop it. */
  secureCookies: boolean
  policy: SessionPolicy
}

const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#3454d1"/><text x="16" y="23" font-size="20" text-anchor="middle" fill="#fff">⚙</text></svg>`

const ASSETS = new Map<string, Reply>([
  ['/assets/app.css', { kind: 'asset', type: 'text/css; charset=utf-8', body: STYLESHEET }],
  ['/favicon.svg', { kind: 'asset', type: 'image/svg+xml', body: FAVICON }],
])

/** Requests that get no session: the manager's `skip` matcher, so assets cost no store call. */
export function isAssetRequest(url: string): boolean {
  return url.startsWith('/assets/') || url.startsWith('/favicon.')
}

export function createApp(sessions: DemoManager, options: AppOptions): NodeRequestListener {
  const routes: Route[] = [
    ...shopRoutes,
    ...authRoutes,
    ...accountRoutes(options.policy),
    ...apiRoutes,
  ]
  const withSession = nodeSessions(sessions)
  return withSession(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://demo.invalid')
    if (req.session === null) {
      const asset = ASSETS.get(url.pathname)
      if (asset !== undefined && (req.method === 'GET' || req.method === 'HEAD')) send(res, asset)
      else res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n')
      return
    }
    const ctx: RequestContext = {
      req,
      url,
      session: req.session,
      sessions,
      user: findUser(req.session.userId),
      form: new URLSearchParams(),
      secureCookies: options.secureCookies,
    }
    // Every session change is made inside dispatch, before send writes the first byte.
    send(res, await dispatch(ctx, routes))
  })
}

async function dispatch(ctx: RequestContext, routes: readonly Route[]): Promise<Reply> {
  const method = ctx.req.method === 'HEAD' ? 'GET' : (ctx.req.method ?? 'GET')
  if (method === 'POST') {
    try {
      ctx.form = await readForm(ctx.req)
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error
      return page(tooLargePage(errorViewOf(ctx)), 413, { connection: 'close' })
    }
    // Before routing, so no POST (not even to an unknown path) does anything without a token.
    if (!verifyCsrf(ctx.session, ctx.form.get('_csrf'))) {
      return page(forbiddenPage(errorViewOf(ctx)), 403)
    }
  }
  const onPath = routes.filter((route) => route.path === ctx.url.pathname)
  if (onPath.length === 0) return page(notFoundPage(errorViewOf(ctx)), 404)
  const route = onPath.find((candidate) => candidate.method === method)
  if (route === undefined) {
    const allow: string[] = onPath.map((candidate) => candidate.method)
    if (allow.includes('GET')) allow.push('HEAD')
    return page(methodNotAllowedPage(errorViewOf(ctx)), 405, { allow: allow.join(', ') })
  }
  if (route.auth === true && ctx.user === null) {
    ctx.session.flash('alert', 'Please sign in to continue.')
    const next = method === 'GET' ? `?next=${encodeURIComponent(ctx.url.pathname)}` : ''
    return redirect(`/login${next}`)
  }
  return route.handle(ctx)
}
