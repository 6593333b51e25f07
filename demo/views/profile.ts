import type { Duration } from '../../src/index.js'
import type { DemoSession } from '../context.js'
import { deviceLabel, displayIp } from '../user-agent.js'
import type { DemoUser } from '../users.js'
import { formatTime, relativeTime } from './format.js'
import { type Html, html } from './html.js'
import { layout, type ViewContext } from './layout.js'

/** The manager's timeouts, as durations such as '30m' and '24h'. */
export interface SessionPolicy {
  idleTimeout: Duration & string
  lifetime: Duration & string
}

const UNITS: Record<string, string> = { s: 'second', m: 'minute', h: 'hour', d: 'day' }

/** '30m' as "30 minutes"; anything else as given. */
function spelled(duration: string): string {
  const match = /^(\d+)([smhd])$/.exec(duration)
  if (!match?.[1] || !match[2]) return duration
  const count = Number(match[1])
  return `${count} ${UNITS[match[2]]}${count === 1 ? '' : 's'}`
}

function when(date: Date, now: number): Html {
  return html`<time datetime="${date.toISOString()}">${formatTime(date)}</time> <span class="muted">(${relativeTime(date, now)})</span>`
}

export function profilePage(
  view: ViewContext,
  user: DemoUser,
  session: DemoSession,
  policy: SessionPolicy,
  now: number,
) {
  return layout(
    view,
    'Profile',
    html`<h1>${user.name}</h1>
<p class="lede">${user.email}</p>
<div class="card">
  <h2>Account</h2>
  <dl class="facts">
    <dt>Username</dt><dd data-testid="username">${user.username}</dd>
    <dt>User ID</dt><dd><code>${user.id}</code></dd>
    <dt>Tenant</dt><dd data-testid="tenant">${user.tenantName} <code>${session.tenantId ?? 'none'}</code></dd>
  </dl>
</div>
<div class="card">
  <h2>This session</h2>
  <dl class="facts">
    <dt>Signed in</dt><dd data-testid="created">${when(session.createdAt, now)}</dd>
    <dt>Last seen</dt><dd>${when(session.lastSeenAt, now)}</dd>
    <dt>Expires</dt><dd data-testid="expires">${when(session.expiresAt, now)}</dd>
    <dt>Timeouts</dt><dd>${spelled(policy.idleTimeout)} idle, ${spelled(policy.lifetime)} at most</dd>
    <dt>Device</dt><dd>${deviceLabel(session.userAgent)} · ${displayIp(session.ip)}</dd>
    <dt>Data keys</dt><dd><code>${session.keys().join(', ') || 'none'}</code></dd>
  </dl>
  <p class="muted">Using the site pushes "Expires" out again, but never past ${spelled(policy.lifetime)} after sign-in.
  The store keeps only the SHA-256 of the session ID, never the ID itself.</p>
  <div class="actions"><a class="button" href="/devices">Manage your devices</a></div>
</div>`,
  )
}
