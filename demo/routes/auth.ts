/** Sign in and sign out. */
import { isLocalPath } from '../../src/index.js'
import type { RequestContext } from '../context.js'
import { page, redirect } from '../http.js'
import { authenticate } from '../users.js'
import { loginPage } from '../views/login.js'
import { type Route, viewOf } from './shared.js'

/** Hosts browsers treat as secure over plain http, so they keep Secure cookies from them. */
function isLoopbackHost(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname.endsWith('.localhost') ||
    /^127(?:\.\d{1,3}){3}$/.test(hostname) ||
    hostname === '[::1]'
  )
}

/** Why the browser may drop the session cookie here, or null when it will keep it. */
function cookieWarning(ctx: RequestContext): string | null {
  if (!ctx.secureCookies) return null
  const host = ctx.req.headers.host ?? ''
  let hostname: string
  try {
    hostname = new URL(`http://${host}`).hostname
  } catch {
    return null
  }
  if (isLoopbackHost(hostname)) return null
  return `You opened the demo at http://${host}. Browsers keep its Secure session cookie only over https or on localhost, so signing in here may not stick: open it on localhost, or restart it without DEMO_SECURE_COOKIES.`
}

function nextPath(value: string | null): string | null {
  return isLocalPath(value) ? value : null
}

export const authRoutes: Route[] = [
  {
    method: 'GET',
    path: '/login',
    handle(ctx) {
      if (ctx.user !== null) return redirect('/profile')
      const next = nextPath(ctx.url.searchParams.get('next'))
      return page(
        loginPage(viewOf(ctx), {
          username: '',
          next,
          error: null,
          cookieWarning: cookieWarning(ctx),
        }),
      )
    },
  },
  {
    method: 'POST',
    path: '/login',
    async handle(ctx) {
      const { session, form } = ctx
      const username = form.get('username') ?? ''
      const next = nextPath(form.get('next'))
      const user = authenticate(username, form.get('password'))
      if (user === null) {
        const view = viewOf(ctx)
        const error = 'Wrong username or password.'
        return page(
          loginPage(view, { username, next, error, cookieWarning: cookieWarning(ctx) }),
          401,
        )
      }
      // A new CSRF token along with the new session ID: nothing from before sign-in stays valid.
      session.delete('_csrf')
      await session.login(user.id, { tenantId: user.tenantId })
      session.flash('notice', `Welcome back, ${user.name}. You are signed in.`)
      return redirect(next ?? '/profile')
    },
  },
  {
    method: 'POST',
    path: '/logout',
    async handle({ session, user }) {
      if (user === null) return redirect('/')
      await session.logout()
      // logout() left a fresh, empty session: the message lives in it until the next page.
      session.flash('notice', 'You have been signed out on this device.')
      return redirect('/')
    },
  },
]
