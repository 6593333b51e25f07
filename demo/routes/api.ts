/** A JSON view of the session, for scripts and tests. */
import { json } from '../http.js'
import type { Route } from './shared.js'

export const apiRoutes: Route[] = [
  {
    method: 'GET',
    path: '/api/session',
    handle({ session }) {
      return json({
        userId: session.userId,
        // A session that was never stored (a first visit, or a revoked one) has no expiry yet.
        expiresAt: session.isNew ? null : session.expiresAt.toISOString(),
        keys: session.keys(),
      })
    },
  },
]
