/** The shop and the cart kept in the session. */
import { isLocalPath } from '../../src/index.js'
import { findProduct, MAX_QUANTITY } from '../catalogue.js'
import { page, redirect } from '../http.js'
import { cartPage } from '../views/cart.js'
import { shopPage } from '../views/shop.js'
import { cartOf, type Route, viewOf } from './shared.js'

export const shopRoutes: Route[] = [
  {
    method: 'GET',
    path: '/',
    handle: (ctx) => page(shopPage(viewOf(ctx), cartOf(ctx.session))),
  },
  {
    method: 'GET',
    path: '/cart',
    handle: (ctx) => page(cartPage(viewOf(ctx), cartOf(ctx.session))),
  },
  {
    method: 'POST',
    path: '/cart/add',
    handle({ session, form }) {
      const back = form.get('back')
      const to = isLocalPath(back) ? back : '/cart'
      const product = findProduct(form.get('sku'))
      if (product === undefined) {
        session.flash('alert', 'That product is not in the shop.')
        return redirect(to)
      }
      // A copy: the session stores what set() is given, and the old value must not change.
      const cart = { ...cartOf(session) }
      const quantity = cart[product.sku] ?? 0
      if (quantity >= MAX_QUANTITY) {
        session.flash('alert', `You can order at most ${MAX_QUANTITY} of ${product.name}.`)
        return redirect(to)
      }
      cart[product.sku] = quantity + 1
      session.set('cart', cart)
      session.flash('notice', `Added ${product.name} to your cart.`)
      return redirect(to)
    },
  },
  {
    method: 'POST',
    path: '/cart/remove',
    handle({ session, form }) {
      const product = findProduct(form.get('sku'))
      const cart = { ...cartOf(session) }
      if (product === undefined || cart[product.sku] === undefined) {
        session.flash('alert', 'That item was not in your cart.')
        return redirect('/cart')
      }
      delete cart[product.sku]
      if (Object.keys(cart).length === 0) session.delete('cart')
      else session.set('cart', cart)
      session.flash('notice', `Removed ${product.name} from your cart.`)
      return redirect('/cart')
    },
  },
]
