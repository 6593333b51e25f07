import { formatPrice, PRODUCTS } from '../catalogue.js'
import { html } from './html.js'
import { productThumb } from './icons.js'
import { csrfField, layout, type ViewContext } from './layout.js'

export function shopPage(view: ViewContext, cart: Record<string, number>) {
  const products = PRODUCTS.map((product) => {
    const inCart = cart[product.sku] ?? 0
    return html`<article class="card product" data-sku="${product.sku}">
      ${productThumb(product)}
      <h2>${product.name}</h2>
      <p>${product.description}</p>
      <div class="buy">
        <span><span class="price">${formatPrice(product.pricePence)}</span>${
          inCart > 0 ? html` <span class="muted in-cart">· ${inCart} in cart</span>` : null
        }</span>
        <form method="post" action="/cart/add">
          ${csrfField(view)}
          <input type="hidden" name="sku" value="${product.sku}">
          <input type="hidden" name="back" value="/">
          <button type="submit">Add to cart</button>
        </form>
      </div>
    </article>`
  })
  return layout(
    view,
    'Shop',
    html`<h1>Parts for analytical engines</h1>
<p class="lede">Everything a working difference engine needs. Your cart is kept in your session:
add something, sign in, and it is still there.</p>
<section class="products">${products}</section>`,
  )
}
