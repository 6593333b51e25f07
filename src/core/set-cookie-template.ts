/**
 * Set-Cookie values from a template: the `cookie` package serializes the attributes once, and
 * each response only puts its value and expiry into the gaps. Serializing from scratch (checks
 * of every attribute, an options object per call) was a sizeable share of a request that
 * creates or changes a session; the text is the same, character for character.
 * @module
 */
import { type SerializeOptions, serialize } from 'cookie'

/** Values encodeURIComponent leaves as they are (base64url IDs and MACs, and the `.`). */
const PLAIN_VALUE = /^[A-Za-z0-9_.-]*$/
/** `s:` and a plain value: a value express-session's signature made. */
const SIGNED_VALUE = /^s:[A-Za-z0-9_.-]*$/
const VALUE_MARK = 'sessionkitValueMark'
const EPOCH = new Date(0)
const EPOCH_TEXT = EPOCH.toUTCString()

/** Attributes without `expires`: that one is given per value. */
export type TemplateAttributes = Omit<SerializeOptions, 'expires' | 'encode'>

/**
 * The HTTP date of `ms`, from a one-entry cache: dates have whole seconds, and the responses of
 * one second share an expiry second far more often than not.
 */
let cachedSecond = Number.NaN
let cachedText = ''
function httpDate(ms: number): string {
  const second = Math.floor(ms / 1000)
  if (second !== cachedSecond) {
    cachedText = new Date(ms).toUTCString()
    cachedSecond = second
  }
  return cachedText
}

/**
 * The serializer's own encoding (encodeURIComponent), whose output is always a valid cookie
 * value; a lone surrogate throws its URIError, as the serializer would.
 */
function encodeValue(value: string): string {
  if (PLAIN_VALUE.test(value)) return value
  // express-session's signed value (`s:` then a plain ID and MAC), on every response that sends
  // one: the same text encodeURIComponent gives, at a fraction of its cost.
  if (SIGNED_VALUE.test(value)) return `s%3A${value.slice(2)}`
  return encodeURIComponent(value)
}

export class SetCookieTemplate {
  readonly #name: string
  readonly #attributes: TemplateAttributes
  readonly #beforeValue: string
  readonly #afterValue: string
  /** The text between the expiry date and the end; null when the cookie carries no Expires. */
  readonly #afterDate: string | null

  /** `dated`: the cookie carries an Expires attribute (given to {@link render}). */
  constructor(name: string, attributes: TemplateAttributes, dated: boolean) {
    this.#name = name
    this.#attributes = attributes
    const text = serialize(name, VALUE_MARK, dated ? { ...attributes, expires: EPOCH } : attributes)
    const valueAt = text.indexOf(VALUE_MARK)
    this.#beforeValue = text.slice(0, valueAt)
    const rest = text.slice(valueAt + VALUE_MARK.length)
    if (!dated) {
      this.#afterValue = rest
      this.#afterDate = null
      return
    }
    const dateAt = rest.indexOf(EPOCH_TEXT)
    this.#afterValue = rest.slice(0, dateAt)
    this.#afterDate = rest.slice(dateAt + EPOCH_TEXT.length)
  }

  /** The Set-Cookie value for `value`, expiring at `expiresAt` (ms) when the template is dated. */
  render(value: string, expiresAt?: number): string {
    if (this.#afterDate === null) return this.#beforeValue + encodeValue(value) + this.#afterValue
    if (expiresAt === undefined || !Number.isFinite(expiresAt)) {
      // No expiry, or one the serializer refuses: its own path, and its own error.
      const expires = expiresAt === undefined ? {} : { expires: new Date(expiresAt) }
      return serialize(this.#name, value, { ...this.#attributes, ...expires })
    }
    return (
      this.#beforeValue +
      encodeValue(value) +
      this.#afterValue +
      httpDate(expiresAt) +
      this.#afterDate
    )
  }
}
