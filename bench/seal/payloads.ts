/**
 * The session payloads sealed by the `seal` suite: a small one (~200 bytes of session data: a
 * user, a small cart, a CSRF token) and a large one (~2 KB: a cart of line items), each
 * wrapped in the session record a real commit seals (ID, user, IP, user agent, times).
 * @module
 */
import type { SealedPayload } from '../../src/core/sealed.js'
import type { JsonObject } from '../../src/core/store.js'

/** One payload of the suite. */
export interface SealCase {
  name: string
  payload: SealedPayload
}

const NOW = Date.UTC(2025, 0, 1)
const ID = 'Q8m1xJ3v0bT7cPa2dR5sYw9LkN4eHf6gUiZo1qWtE2r'

function record(data: JsonObject): SealedPayload {
  return {
    id: ID,
    generation: null,
    record: {
      data,
      userId: 'user-42',
      tenantId: null,
      ip: '203.0.113.7',
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36',
      createdAt: NOW,
      updatedAt: NOW,
      lastSeenAt: NOW,
      expiresAt: NOW + 86_400_000,
    },
  }
}

const small: JsonObject = {
  userId: 'user-42',
  name: 'Ada Lovelace',
  role: 'admin',
  cart: ['sku-1001', 'sku-2002', 'sku-3003'],
  theme: 'dark',
  locale: 'en-GB',
  returnTo: '/account/orders',
  csrf: 'b3J1c3Q4c2Vzc2lvbmtpdC1jc3JmLXRva2Vu',
  visits: 17,
}

const large: JsonObject = {
  ...small,
  cart: Array.from({ length: 24 }, (_, index) => ({
    sku: `sku-${1000 + index}`,
    name: `Item number ${index}`,
    qty: (index % 3) + 1,
    price: 9.99 + index,
  })),
  recentlyViewed: Array.from({ length: 12 }, (_, index) => `/products/${2000 + index}`),
}

/** The payloads, smallest first. Sizes are of the session data's JSON. */
export const SEAL_CASES: readonly SealCase[] = [
  { name: `~${JSON.stringify(small).length} B data`, payload: record(small) },
  { name: `~${JSON.stringify(large).length} B data`, payload: record(large) },
]
