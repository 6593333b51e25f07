/**
 * What is known to limit a target when it is missed, from profiles (node --cpu-prof) of the
 * benchmark; printed under the targets in RESULTS.md for the missed ones only. Keep each note
 * to what was measured, and drop it once the cause is fixed.
 * @module
 */

export interface MissedNote {
  /** Which targets (by their text) the note explains. */
  matches: RegExp
  text: string
}

export const MISSED_NOTES: readonly MissedNote[] = [
  {
    matches: /^read with touchAfter/,
    text:
      'sessionkit/express on PostgreSQL patches the session on every read. On save, ' +
      '`KitEntry#sync` (src/adapters/express/kit-backend.ts) sets the `cookie` key from a fresh ' +
      'Cookie object, and the core session compares values by their JSON text; PostgreSQL ' +
      'returns the stored jsonb with its keys reordered (shorter keys first), so the cookie always ' +
      'looks changed there and the read becomes a write. The memory, SQLite and Redis stores keep ' +
      'key order and write nothing. Comparing the cookie by value (or by its fields in a fixed ' +
      'order) would make PostgreSQL reads free too, and lift its read rate.',
  },
  {
    matches:
      /^Express, memory: sessionkit vs express-session|^Express, memory, read|^sessionkit\/express \+ memory|^Express, (Redis|PostgreSQL|SQLite): sessionkit vs/,
    text:
      'Express reads: the floor is Express itself. bench/express/floor.ts is a middleware that ' +
      'does only what any signed, hashed-at-rest session must on a read (parse the Cookie ' +
      'header, check an HMAC-SHA256, SHA-256 the ID, a Map get, JSON.parse, one req.session ' +
      'property, and hold the response to compare the JSON at its end); measured by ' +
      'bench/express/in-process.ts (CPU per read) it reaches 64–72 % of bare Express, ' +
      'sessionkit/express 53–55 % and express-session 38–48 % (two machines, two runs each). So ' +
      '85 % of bare Express is out of reach for any session layer that does that work, and 1.5× ' +
      'express-session is within 10–20 % of the floor. Found and fixed: Express swaps every ' +
      "request's and response's prototype, after which V8 gives each property added to those " +
      'objects a hidden class of its own (measured: ~4 µs per property, plus garbage); ' +
      'sessionkit added seven (req.sessionID, req.sessionStore, four gate methods on res, ' +
      'req.session) and now adds one (req.session, which `delete req.session` must be able to ' +
      'remove): +18 % on reads. express-session adds five. Counted in instructions ' +
      '(bench/express/instructions.ts: callgrind, in-process, repeat runs within ~5 %), a read ' +
      'takes 762k through bare Express, 846k through the floor, 1,241k through express-session ' +
      'and 1,346k through sessionkit/express (1,322k against 1,300k in a repeat): in-process ' +
      'sessionkit does about as much work per read as express-session, and 1.5× would leave it ' +
      "the floor's own count. Over HTTP it read at 1.34× express-session in the previous full " +
      'run and at 0.97× and 1.02× in two runs on 2026-11-28, in which the Express, memory ' +
      'group read slower for every variant, bare Express included, than it wrote (bare: 4,755 ' +
      'req/s on read, 7,035 on write; the machine was otherwise idle, cause unknown). Part of ' +
      "express-session's cost over HTTP lies outside the instruction count: its MemoryStore answers every call on a " +
      'later turn of the event loop (setImmediate), and it writes each response in two writev ' +
      'calls where sessionkit writes one (strace of the servers: 2 per request against 1).',
  },
  {
    matches: /of its framework without sessions/,
    text:
      'Adapters against their bare framework: the no-session apps answer a constant in ' +
      '20–35 µs, so 80 % leaves a few microseconds for the whole session layer, ' +
      "while checking the cookie's HMAC-SHA256 and hashing the ID take a few microseconds " +
      'themselves; profiles of sessionkit/node reads put the rest in cookie parsing, the store ' +
      'get with its JSON copy, expiry checks and the response gate, no single hotspot. (Profiles ' +
      'on this machine give createHmac 15–20 µs per request, but an HMAC built on the one-shot ' +
      'hash instead measured no faster in a paired A/B of whole requests: 113.7 against 114.9 µs ' +
      'of CPU per read; the profile misattributes.) node:http writes went from 23 % to 36 % of ' +
      'bare node: a held writeHead no longer defines the headersSent/writableEnded accessors ' +
      "that halve node's speed for a response when end() follows in the same turn. Hono pays " +
      "more on new sessions: @hono/node-server sends a handler's Response without " +
      'building a real one, but adding Set-Cookie needs a copy of the Response, which builds it ' +
      "(a ReadableStream body); changing the handler's Response in place would be faster and is " +
      "not done, because a Response an app reuses across requests would then carry one visitor's " +
      'cookie to the next.',
  },
  {
    matches: /^Fastify, memory: sessionkit vs @fastify\/session/,
    text:
      '@fastify/session on reads with rolling: false does a Map get and a cookie unsign; sessionkit ' +
      'also hashes the ID (SHA-256, IDs are hashed at rest), copies the data out of the memory ' +
      "store's JSON text, and checks idle and absolute expiry.",
  },
  {
    matches: /^stores, /,
    text:
      'Stores short of 80 % of the raw driver: see "Where the time goes" in bench/README.md: ' +
      'per-call timers and promise wrappers around each round trip cost client CPU, which on a ' +
      '2-core machine is taken from the server; a result within a few points of 80 % moves ' +
      'across the line from run to run on a busy machine. The store-perf work is on it.',
  },
  {
    matches: /, write: ≥ 1\.5×|faster on read, write and new/,
    text:
      'Writes and new sessions through sessionkit/express: the save path commits the ' +
      "adapter's JSON as it is, sends back the request's signed cookie value, and serializes " +
      'Set-Cookie from a template. Without sockets (bench/express/in-process.ts, CPU per ' +
      'request) sessionkit/express writes at 1.2–1.4× express-session. Over loopback HTTP that ' +
      'margin goes: both libraries then cost about the same per write, and garbage collection ' +
      'is the measured difference from reads. Sampled by the heap profiler (in-process, ' +
      'including objects collected by either GC), a write allocates 41 KB through sessionkit, ' +
      '41 KB through express-session and 21 KB through bare Express (reads: 31, 39 and 21 KB), ' +
      'and with --trace-gc-nvp 30–40 % of the young generation survives each scavenge even for ' +
      'bare Express (objects of requests still in flight on 50 connections), so each scavenge ' +
      'copies megabytes: per read, garbage collection cost sessionkit 54 µs against bare ' +
      "Express's 24. Writes therefore land near parity (here 0.97× on memory and Redis, 1.06× " +
      'on SQLite, 1.23× on PostgreSQL; each moves by about ±0.1 between full runs), ' +
      'and fewer allocations per request is the lever (about 0.5 KB per read were removed on ' +
      '2026-11-28). A new session also costs a 32-byte random ID, its SHA-256 and the ' +
      "record's metadata (IP, user agent) in the store, which the peers do not keep. Counted in " +
      'instructions (bench/express/instructions.ts), a write takes 754k through bare Express, ' +
      '1,337k through express-session and 1,477k through sessionkit/express, a new session ' +
      '714k, 1,325k and 1,417k: sessionkit does about 10 % more work per write (it keeps a ' +
      'per-key JSON snapshot to write only what changed, hashes IDs and holds the response until ' +
      'the store has the write), so parity over HTTP is what that work allows without a ' +
      'rewrite of the save path. Found and fixed on 2026-11-28: the response gate wrote ' +
      'statusCode and statusMessage back on every held response, which node keeps on the ' +
      'prototype, so each saved response got a hidden class of its own (paired A/B over HTTP: ' +
      '282 → 266 and 326 → 294 µs of server CPU per write).',
  },
  {
    matches: /^sealed round trip \(~2165 B data, 16 in flight\)/,
    text:
      "With 16 in flight, iron-session's Web Crypto work runs on libuv's thread pool and gains from " +
      "the second core, while sessionkit's synchronous AES-GCM runs on one: on a machine whose " +
      'other core is busy with other work the margin on 2 KB payloads shrinks (12× in the quieter ' +
      'run analysed in bench/README.md). Unsealing spends time in a regular expression over the ' +
      'whole seal and a canonical base64url re-encode (see the README).',
  },
]
