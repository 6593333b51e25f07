/**
 * An app written for express-session, from the examples in its README (the view counter, the
 * per-page counter, login with regenerate + save, logout with save + regenerate), plus destroy
 * and a route for the concurrency test. It takes the session middleware factory as a
 * parameter, so the very same code runs on `express-session` and on `sessionkit/express`.
 */
import express, {
  type Express,
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express'

declare module '../../src/adapters/express.js' {
  interface SessionData {
    views: number
    pageViews: Record<string, number>
    user: string | null
  }
}

/** The options the app passes: what both express-session and sessionkit/express take. */
export interface ClassicOptions {
  secret: string
  resave: boolean
  saveUninitialized: boolean
  cookie?: { maxAge?: number }
}

/** `session` from express-session or from sessionkit/express. */
export type SessionFactory = (options: ClassicOptions) => RequestHandler

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)

/** The app, unchanged whichever factory it gets. */
export function classicApp(session: SessionFactory): Express {
  const app = express()

  app.use(
    session({
      secret: 'keyboard cat',
      resave: false,
      saveUninitialized: true,
      cookie: { maxAge: 60000 },
    }),
  )

  // README "View counter": count the views of every page.
  app.use((req, _res, next) => {
    if (!req.session.pageViews) {
      req.session.pageViews = {}
    }
    const pathname = req.path
    req.session.pageViews[pathname] = (req.session.pageViews[pathname] || 0) + 1
    next()
  })

  // README "req.session": a user-specific view counter.
  app.get('/', (req, res) => {
    if (req.session.views) {
      req.session.views++
      res.setHeader('Content-Type', 'text/html')
      res.write(`<p>views: ${req.session.views}</p>`)
      res.write(`<p>expires in: ${(req.session.cookie.maxAge ?? 0) / 1000}s</p>`)
      res.end()
    } else {
      req.session.views = 1
      res.end('welcome to the session demo. refresh!')
    }
  })

  app.get('/foo', (req, res) => {
    res.send(`you viewed this page ${req.session.pageViews?.['/foo']} times`)
  })

  app.get('/bar', (req, res) => {
    res.send(`you viewed this page ${req.session.pageViews?.['/bar']} times`)
  })

  // README "User login".
  function isAuthenticated(req: Request, _res: Response, next: NextFunction) {
    if (req.session.user) next()
    else next('route')
  }

  app.get('/home', isAuthenticated, (req, res) => {
    res.send(`hello, ${escapeHtml(req.session.user ?? '')}! <a href="/logout">Logout</a>`)
  })

  app.get('/home', (_req, res) => {
    res.send('<form action="/login" method="post">…</form>')
  })

  app.post('/login', express.urlencoded({ extended: false }), (req, res, next) => {
    // regenerate the session, which is good practice to help guard against session fixation
    req.session.regenerate((err) => {
      if (err) return next(err)
      req.session.user = String(req.body.user)
      // save the session before redirection to ensure page load does not happen before session is saved
      req.session.save((err) => {
        if (err) return next(err)
        res.redirect('/home')
      })
    })
  })

  app.get('/logout', (req, res, next) => {
    // clear the user from the session object and save
    req.session.user = null
    req.session.save((err) => {
      if (err) return next(err)
      req.session.regenerate((err) => {
        if (err) return next(err)
        res.redirect('/home')
      })
    })
  })

  app.get('/destroy', (req, res, next) => {
    req.session.destroy((err) => {
      if (err) return next(err)
      res.send('destroyed')
    })
  })

  // Each request sets its own key after a short wait, so that many of them overlap.
  app.get('/set/:key', (req, res) => {
    setTimeout(() => {
      ;(req.session as unknown as Record<string, unknown>)[req.params.key] = true
      res.send('ok')
    }, 25)
  })

  app.get('/keys', (req, res) => {
    res.json(Object.keys(req.session).filter((key) => key.startsWith('k-')))
  })

  return app
}
