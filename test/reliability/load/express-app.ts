/**
 * The lost-update routes on sessionkit/express (the express-session drop-in) over a sessionkit
 * store: `/set` assigns every query parameter to req.session, `/get` answers its data.
 */
import express from 'express'
import session from '../../../src/adapters/express.js'
import type { Store } from '../../../src/core/store.js'
import { dataOf, EXPRESS_SECRET, serve } from '../../adapters/express-helpers.js'
import type { LoadServer } from './adapters.js'

export async function buildExpress(store: Store): Promise<LoadServer> {
  const app = express()
  app.use(session({ secret: EXPRESS_SECRET, store, resave: false, saveUninitialized: false }))
  app.get('/set', (req, res) => {
    Object.assign(req.session, req.query)
    res.send('set')
  })
  app.get('/get', (req, res) => {
    res.json({ data: dataOf(req.session) })
  })
  const served = await serve(app)
  return {
    url: served.url,
    cookieName: 'connect.sid',
    close: async () => {
      await served.close()
      // The middleware does not own a store it was given; the caller's store is closed here.
      await store.close()
    },
  }
}
