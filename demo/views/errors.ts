import { type Html, html } from './html.js'
import { layout, type ViewContext } from './layout.js'

function errorPage(view: ViewContext, title: string, body: Html) {
  return layout(view, title, html`<div class="narrow card"><h1>${title}</h1>${body}</div>`)
}

export function notFoundPage(view: ViewContext) {
  return errorPage(
    view,
    'Page not found',
    html`<p>There is nothing at <code>${view.path}</code>.</p><p><a href="/">Back to the shop</a></p>`,
  )
}

export function forbiddenPage(view: ViewContext) {
  return errorPage(
    view,
    'Form expired',
    html`<p>This form was not sent from a page of this site, or your session ended since the page
was loaded, so nothing was changed.</p><p>Go back, reload the page and try again.</p>`,
  )
}

export function methodNotAllowedPage(view: ViewContext) {
  return errorPage(
    view,
    'Method not allowed',
    html`<p><code>${view.path}</code> does not answer this kind of request.</p>`,
  )
}

export function tooLargePage(view: ViewContext) {
  return errorPage(view, 'Form too large', html`<p>That form sent more than the site accepts.</p>`)
}
