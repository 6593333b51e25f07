/** The demo's SessionManager. */
import { openStore, SessionManager } from '../src/index.js'
import { isAssetRequest } from './app.js'
import type { DemoData, DemoFlash, DemoManager } from './context.js'
import type { DemoSettings } from './settings.js'
import type { SessionPolicy } from './views/profile.js'

export const SESSION_POLICY: SessionPolicy = { idleTimeout: '30m', lifetime: '24h' }

export function createSessions(settings: DemoSettings): DemoManager {
  return new SessionManager<DemoData, DemoFlash>({
    store: openStore(settings.storeUrl),
    secrets: [settings.secret],
    lifetime: SESSION_POLICY.lifetime,
    idleTimeout: SESSION_POLICY.idleTimeout,
    cookie: { secure: settings.secureCookies },
    skip: (request) => isAssetRequest(request.url),
  })
}
