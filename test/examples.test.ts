/**
 * Each example under examples/ starts, serves its page, signs in and counts: run as a user
 * would (`node --import tsx examples/<name>/server.ts`), on a free port (PORT=0).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { afterEach, describe, expect, it } from 'vitest'
import { Browser } from './adapters/client.js'

const EXAMPLES = ['express', 'fastify', 'hono', 'koa', 'node', 'fetch'] as const

/** Starts an example and resolves with its URL once it says it is listening. */
function start(name: string): { child: ChildProcess; url: Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', `examples/${name}/server.ts`], {
    env: { ...process.env, PORT: '0', NODE_ENV: 'development' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const url = new Promise<string>((resolve, reject) => {
    let output = ''
    const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${output}`)), 20_000)
    const read = (chunk: Buffer) => {
      output += chunk.toString()
      const port = /http:\/\/localhost:(\d+)/.exec(output)?.[1]
      if (port !== undefined) {
        clearTimeout(timer)
        resolve(`http://127.0.0.1:${port}`)
      }
    }
    child.stdout?.on('data', read)
    child.stderr?.on('data', read)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${name} exited with ${code}:\n${output}`))
    })
  })
  return { child, url }
}

describe('examples', () => {
  let running: ChildProcess | undefined
  afterEach(async () => {
    const child = running
    running = undefined
    if (child === undefined || child.exitCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
  })

  for (const name of EXAMPLES) {
    it(`${name}: serves the page, signs in with a flash, counts, signs out`, async () => {
      const started = start(name)
      running = started.child
      const browser = new Browser(await started.url)

      const first = await browser.request('/')
      expect(first.status).toBe(200)
      expect(first.headers.get('content-type')).toMatch(/^text\/html/)
      expect(await first.text()).toContain('<strong id="visits">1</strong>')

      const login = await browser.request('/login', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'name=Ada+%3Cb%3E',
      })
      expect(login.status).toBe(303)
      const page = await (await browser.request('/')).text()
      expect(page).toContain('Signed in as <strong>Ada &lt;b&gt;</strong>')
      expect(page).toContain('Welcome, Ada &lt;b&gt;!')
      expect(page).toContain('<strong id="visits">2</strong>')
      expect(await (await browser.request('/')).text()).not.toContain('Welcome')

      expect((await browser.request('/logout', { method: 'POST' })).status).toBe(303)
      const out = await (await browser.request('/')).text()
      expect(out).toContain('Signed out.')
      expect(out).toContain('<strong id="visits">1</strong>')
    })
  }
})
