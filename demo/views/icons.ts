/**
 * Inline SVG icons. The demo draws its own rather than use emoji, which a machine without a
 * colour emoji font (a CI runner taking screenshots) shows as empty boxes.
 * @module
 */
import type { Product } from '../catalogue.js'
import { type Html, html } from './html.js'

const STROKE = html`fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round"`

export const laptopIcon: Html = html`<svg viewBox="0 0 24 24" width="28" height="28" ${STROKE} aria-hidden="true"><rect x="4" y="5" width="16" height="11" rx="1.5"/><path d="M2 19h20"/></svg>`

export const phoneIcon: Html = html`<svg viewBox="0 0 24 24" width="28" height="28" ${STROKE} aria-hidden="true"><rect x="7" y="2.5" width="10" height="19" rx="2"/><path d="M11 18.5h2"/></svg>`

/** A coloured tile with the product's monogram, standing in for a product photo. */
export function productThumb(product: Product, size = 48): Html {
  return html`<svg class="thumb" viewBox="0 0 48 48" width="${size}" height="${size}" aria-hidden="true"><rect width="48" height="48" rx="10" fill="${product.colour}"/><text x="24" y="30.5" text-anchor="middle" font-size="17" font-weight="700" fill="#fff" font-family="system-ui, sans-serif">${product.monogram}</text></svg>`
}
