/**
 * sessionkit with Express 5: `node --import tsx examples/express/server.ts` (PORT, default 3006).
 * The middleware takes express-session's options and gives the same `req.session`; login,
 * logout and flash are sessionkit's extras. An app imports 'sessionkit/express' and
 * 'sessionkit/stores/memory' instead of the ../../src paths used here to run from the repository.
 */
import type { AddressInfo } from 'node:net'
import express from 'express'
import session from '../../src/adapters/express.js'
import { MemoryStore } from '../../src/stores/memory.js'
import { exampleSecret, nameFrom, portFrom, renderPage } from '../shared/page.js'

// Types req.session.visits and req.session.flash('notice') (an app writes 'sessionkit/express').
declare module '../../src/adapters/express.js' {
  interface SessionData {
    visits: number
  }
  interface FlashData {
    notice: string
  }
}

const store = new MemoryStore()
const app = express()
app.use(
  session({
    secret: exampleSecret(),
    resave: false,
    saveUninitialized: false,
    store,
    // Secure cookies need HTTPS; browsers make an exception for http://localhost only.
    cookie: { maxAge: 30 * 60 * 1000, secure: process.env.NODE_ENV === 'production' },
  }),
)
app.use(express.urlencoded({ extended: false, limit: '4kb' }))

app.get('/', (req, res) => {
  req.session.visits = (req.session.visits ?? 0) + 1
  res.type('html').send(
    renderPage({
      framework: 'Express',
      user: req.session.boundUserId(),
      visits: req.session.visits,
      notice: req.session.flash('notice') ?? null,
    }),
  )
})

app.post('/login', async (req, res) => {
  const name = nameFrom((req.body ?? {}) as Record<string, unknown>)
  if (name === null) {
    res.status(400).send('A name is needed to sign in')
    return
  }
  await req.session.login(name) // a new session ID: the old one is dead
  req.session.flash('notice', `Welcome, ${name}!`)
  res.redirect(303, '/') // the session is saved before this redirect goes out
})

app.post('/logout', async (req, res) => {
  await req.session.logout() // req.session is a fresh, empty session
  req.session.flash('notice', 'Signed out.')
  res.redirect(303, '/')
})

const server = app.listen(portFrom(3006), () => {
  const { port } = server.address() as AddressInfo
  console.log(`sessionkit Express example on http://localhost:${port}`)
})
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close(() => void store.close())
  })
}
