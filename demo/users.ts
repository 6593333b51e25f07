/**
 * The demo's two users. A real app keeps password hashes (scrypt, argon2) in a database; the
 * demo keeps the passwords in the source because they are printed on the login page anyway.
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto'

export interface DemoUser {
  id: string
  username: string
  name: string
  email: string
  /** Passed to session.login() so the profile can show the tenant a session belongs to. */
  tenantId: string
  tenantName: string
}

interface Account extends DemoUser {
  password: string
}

const ACCOUNTS: readonly Account[] = [
  {
    id: 'user-ada',
    username: 'ada',
    password: 'lovelace',
    name: 'Ada Lovelace',
    email: 'ada@engine-room.example',
    tenantId: 'analytical-engines',
    tenantName: 'Analytical Engines Ltd',
  },
  {
    id: 'user-alan',
    username: 'alan',
    password: 'turing',
    name: 'Alan Turing',
    email: 'alan@engine-room.example',
    tenantId: 'bletchley',
    tenantName: 'Bletchley Park',
  },
]

/** Username and password of every demo user, for the hint on the login page. */
export const DEMO_CREDENTIALS: ReadonlyArray<{ username: string; password: string }> = ACCOUNTS.map(
  ({ username, password }) => ({ username, password }),
)

function publicUser({ password: _password, ...user }: Account): DemoUser {
  return user
}

/** Digests have a fixed length, so timingSafeEqual never sees unequal buffers. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest()
}

// Compared against when the username is unknown, so both paths do the same work.
const NOBODY = digest('\u0000no such user')

/** The user whose credentials these are, or null. Passwords are compared in constant time. */
export function authenticate(username: unknown, password: unknown): DemoUser | null {
  if (typeof username !== 'string' || typeof password !== 'string') return null
  const account = ACCOUNTS.find((candidate) => candidate.username === username.trim().toLowerCase())
  const expected = account === undefined ? NOBODY : digest(account.password)
  const matches = timingSafeEqual(expected, digest(password))
  return account !== undefined && matches ? publicUser(account) : null
}

/** The user behind a session's userId, or null (a user deleted since they signed in). */
export function findUser(id: string | null): DemoUser | null {
  const account = ACCOUNTS.find((candidate) => candidate.id === id)
  return account === undefined ? null : publicUser(account)
}
