import { findProduct, formatPrice } from '../catalogue.js'
import { html } from './html.js'
import { productThumb } from './icons.js'
import { csrfField, layout, type ViewContext } from './layout.js'

export function cartPage(view: ViewContext, cart: Record<string, number>) {
  const lines = Object.entries(cart).flatMap(([sku, quantity]) => {
    const product = findProduct(sku)
    return product === undefined ? [] : [{ product, quantity }]
  })
  const total = lines.reduce((sum, line) => sum + line.product.pricePence * line.quantity, 0)
  const rows = lines.map(
    ({ product, quantity }) => html`<tr data-sku="${product.sku}">
      <td><span class="item">${productThumb(product, 32)} ${product.name}</span></td>
      <td class="num">${formatPrice(product.pricePence)}</td>
      <td class="num" data-testid="quantity">${quantity}</td>
      <td class="num">${formatPrice(product.pricePence * quantity)}</td>
      <td class="num">
        <form class="inline" method="post" action="/cart/add">${csrfField(view)}<input type="hidden" name="sku" value="${product.sku}"><input type="hidden" name="back" value="/cart"><button class="secondary" type="submit" aria-label="One more ${product.name}">+</button></form>
        <form class="inline" method="post" action="/cart/remove">${csrfField(view)}<input type="hidden" name="sku" value="${product.sku}"><button class="danger" type="submit">Remove</button></form>
      </td>
    </tr>`,
  )
  const body =
    lines.length === 0
      ? html`<div class="card empty"><p>Your cart is empty.</p><a class="button" href="/">Browse the shop</a></div>`
      : html`<div class="card">
  <table>
    <thead><tr><th>Item</th><th class="num">Price</th><th class="num">Qty</th><th class="num">Subtotal</th><th></th></tr></thead>
    <tbody>${rows}</tbody>
    <tfoot><tr><td colspan="3">Total</td><td class="num" data-testid="total">${formatPrice(total)}</td><td></td></tr></tfoot>
  </table>
  <div class="actions">
    <button type="button" disabled title="This is a demo shop">Check out</button>
    <span class="muted">This is a demo: nothing is for sale.</span>
  </div>
</div>`
  return layout(
    view,
    'Cart',
    html`<h1>Your cart</h1>
<p class="lede">Kept in your session on the server; the cookie holds only a signed, random ID.</p>
${body}`,
  )
}
