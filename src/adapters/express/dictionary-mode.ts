/**
 * Puts Express's `req` and `res` into V8's dictionary mode, which undoes a slow path that
 * Express's prototype swap sets off in V8 (measured on Node 20, V8 11.3).
 *
 * Express swaps every request's and response's prototype (`Object.setPrototypeOf`, in
 * `app.handle`) and then adds properties to them (`res.locals`, `req.next`, `req.baseUrl`…).
 * After the swap, V8 no longer shares the hidden class of the next property added: every
 * request and response ends up with a hidden class of its own. No inline cache can then answer
 * a property lookup on them: each `req.x` or `res.x`, in Express, in node's http code and in the
 * app, is a full lookup (about 0.25 µs here against a few ns), and each property added builds
 * a new hidden class (about 1.8 µs). An object in dictionary mode keeps its properties in a
 * hash table instead: a lookup costs about 0.05 µs and an added property about the same.
 * Turning one costs about 2–3 µs, once per object; over HTTP a memory-store write then took
 * 52–56 µs of server CPU instead of 89 (see "Dictionary-mode requests" in bench/README.md).
 *
 * The way in is to delete an own property that is not the last one added, and to put it back
 * as it was (same value and attributes; only its place in the key order changes, to last).
 * Nothing else about the object changes: prototype, values, getters, setters.
 * @module
 */
import { IncomingMessage, ServerResponse } from 'node:http'

/** Own data properties node's constructors define early, so never the last one added. */
const REQUEST_KEY = 'httpVersionMinor'
const RESPONSE_KEY = 'sendDate'

/**
 * Deletes `key` from `target` and defines it again as it was. False (nothing done) when it is
 * not an own, plain, configurable data property: an accessor would not survive the round trip.
 */
function toDictionaryMode(target: object, key: string): boolean {
  const descriptor = Object.getOwnPropertyDescriptor(target, key)
  if (
    descriptor === undefined ||
    descriptor.get !== undefined ||
    descriptor.set !== undefined ||
    descriptor.configurable !== true ||
    descriptor.writable !== true
  ) {
    return false
  }
  if (!Reflect.deleteProperty(target, key)) return false
  return Reflect.defineProperty(target, key, descriptor)
}

/**
 * Puts `req` and `res` into dictionary mode when Express has swapped their prototypes (a plain
 * node request or response keeps shared hidden classes, and stays as it is).
 */
export function useDictionaryMode(req: object, res: object): void {
  if (Object.getPrototypeOf(req) !== IncomingMessage.prototype) toDictionaryMode(req, REQUEST_KEY)
  if (Object.getPrototypeOf(res) !== ServerResponse.prototype) toDictionaryMode(res, RESPONSE_KEY)
}
