/** The profile and the devices page: every session of the user, and revoking them. */
import { hashId } from '../../src/index.js'
import { page, redirect } from '../http.js'
import { devicesPage } from '../views/devices.js'
import { profilePage, type SessionPolicy } from '../views/profile.js'
import { type Route, signedIn, viewOf } from './shared.js'

export function accountRoutes(policy: SessionPolicy): Route[] {
  return [
    {
      method: 'GET',
      path: '/profile',
      auth: true,
      handle(ctx) {
        const user = signedIn(ctx)
        return page(profilePage(viewOf(ctx), user, ctx.session, policy, ctx.sessions.now()))
      },
    },
    {
      method: 'GET',
      path: '/devices',
      auth: true,
      async handle(ctx) {
        const user = signedIn(ctx)
        const devices = await ctx.sessions.listUserSessions(user.id, { current: ctx.session })
        return page(devicesPage(viewOf(ctx), devices, ctx.sessions.now()))
      },
    },
    {
      method: 'POST',
      path: '/devices/revoke',
      auth: true,
      async handle(ctx) {
        const user = signedIn(ctx)
        const { session, form } = ctx
        const handle = form.get('handle') ?? ''
        if (handle === hashId(session.id)) {
          // Revoking the device you are on is signing out.
          await session.logout()
          session.flash('notice', 'You have been signed out on this device.')
          return redirect('/')
        }
        // revokeUserSession checks the handle is one of this user's sessions: a handle of
        // someone else's session revokes nothing.
        const revoked = await ctx.sessions.revokeUserSession(user.id, handle)
        session.flash(
          revoked ? 'notice' : 'alert',
          revoked ? 'That device has been signed out.' : 'That device was already signed out.',
        )
        return redirect('/devices')
      },
    },
    {
      method: 'POST',
      path: '/devices/revoke-others',
      auth: true,
      async handle(ctx) {
        const user = signedIn(ctx)
        const count = await ctx.sessions.revokeUserSessions(user.id, { except: ctx.session })
        ctx.session.flash(
          'notice',
          count === 0
            ? 'No other device was signed in.'
            : `Signed out ${count} other ${count === 1 ? 'device' : 'devices'}.`,
        )
        return redirect('/devices')
      },
    },
  ]
}
