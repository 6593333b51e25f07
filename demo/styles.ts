/**
 * The demo's stylesheet, served at /assets/app.css. A file of its own (rather than a <style>
 * element) so the Content-Security-Policy can forbid inline styles.
 * @module
 */
export const STYLESHEET = `
:root {
  --ink: #1d2430;
  --muted: #5d6b7e;
  --line: #e3e7ee;
  --paper: #f6f7fa;
  --card: #ffffff;
  --brand: #3454d1;
  --brand-dark: #2a43a8;
  --ok-bg: #e8f6ee;
  --ok-ink: #1c6b3d;
  --bad-bg: #fdecec;
  --bad-ink: #a12a2a;
  --radius: 10px;
  color-scheme: light;
}
* { box-sizing: border-box; }
html { font-size: 16px; }
body {
  margin: 0;
  font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--ink);
  background: var(--paper);
}
a { color: var(--brand); text-decoration: none; }
a:hover { text-decoration: underline; }
h1 { font-size: 1.6rem; margin: 0 0 0.25rem; letter-spacing: -0.01em; }
h2 { font-size: 1.1rem; margin: 0 0 0.75rem; }
p { margin: 0 0 0.75rem; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.85em; }

.topbar { background: var(--card); border-bottom: 1px solid var(--line); }
.topbar .inner {
  max-width: 980px; margin: 0 auto; padding: 0.75rem 1.25rem;
  display: flex; align-items: center; gap: 1.5rem;
}
.brand { font-weight: 700; color: var(--ink); font-size: 1.1rem; display: flex; align-items: center; gap: 0.5rem; }
.brand:hover { text-decoration: none; }
.brand .logo {
  width: 28px; height: 28px; border-radius: 7px; background: var(--brand); color: #fff;
  display: grid; place-items: center; font-size: 0.95rem;
}
.nav { display: flex; gap: 1.1rem; flex: 1; }
.nav a { color: var(--muted); font-weight: 500; }
.nav a[aria-current="page"] { color: var(--ink); }
.badge {
  display: inline-block; min-width: 1.4em; padding: 0 0.4em; border-radius: 999px;
  background: var(--brand); color: #fff; font-size: 0.75rem; text-align: center; line-height: 1.4em;
}
.account { display: flex; align-items: center; gap: 0.75rem; color: var(--muted); font-size: 0.92rem; }
.account strong { color: var(--ink); }

main { max-width: 980px; margin: 0 auto; padding: 1.75rem 1.25rem 3rem; }
.lede { color: var(--muted); margin-bottom: 1.5rem; }
.card {
  background: var(--card); border: 1px solid var(--line); border-radius: var(--radius);
  padding: 1.25rem 1.4rem; margin-bottom: 1.25rem;
}
.narrow { max-width: 420px; margin: 2rem auto; }

.flash {
  border-radius: var(--radius); padding: 0.7rem 1rem; margin-bottom: 1.25rem;
  border: 1px solid transparent; font-weight: 500;
}
.flash.notice { background: var(--ok-bg); color: var(--ok-ink); border-color: #c6e8d3; }
.flash.alert { background: var(--bad-bg); color: var(--bad-ink); border-color: #f3c9c9; }
.hint { background: #fff8e6; border: 1px solid #f1dfae; color: #6b5314; border-radius: var(--radius); padding: 0.7rem 1rem; font-size: 0.92rem; }

label { display: block; font-weight: 600; font-size: 0.9rem; margin: 0.9rem 0 0.3rem; }
input[type="text"], input[type="password"] {
  width: 100%; padding: 0.6rem 0.75rem; font: inherit; border: 1px solid #cdd3dd;
  border-radius: 8px; background: #fff;
}
input:focus { outline: 2px solid var(--brand); outline-offset: 1px; }
.button, button {
  display: inline-block; font: inherit; font-weight: 600; cursor: pointer;
  padding: 0.55rem 1rem; border-radius: 8px; border: 1px solid var(--brand);
  background: var(--brand); color: #fff;
}
button:hover, .button:hover { background: var(--brand-dark); text-decoration: none; }
button.secondary { background: #fff; color: var(--ink); border-color: #cdd3dd; }
button.secondary:hover { background: var(--paper); }
button.danger { background: #fff; color: var(--bad-ink); border-color: #efc4c4; }
button.danger:hover { background: var(--bad-bg); }
button.link { background: none; border: 0; padding: 0; color: var(--brand); font-weight: 500; }
button.link:hover { background: none; text-decoration: underline; }
button:disabled { opacity: 0.5; cursor: not-allowed; }
form.inline { display: inline; margin: 0; }
.actions { display: flex; gap: 0.75rem; align-items: center; margin-top: 1.25rem; }

.products { display: grid; grid-template-columns: repeat(auto-fill, minmax(280px, 1fr)); gap: 1rem; }
.product { display: flex; flex-direction: column; gap: 0.4rem; margin: 0; }
.product .thumb { display: block; margin-bottom: 0.35rem; }
.item { display: flex; align-items: center; gap: 0.6rem; }
.product h2 { margin: 0; }
.product p { color: var(--muted); font-size: 0.92rem; flex: 1; }
.product .buy { display: flex; justify-content: space-between; align-items: center; }
.price { font-weight: 700; }
.in-cart { font-size: 0.88rem; }

table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: 0.65rem 0.5rem; border-bottom: 1px solid var(--line); vertical-align: middle; }
th { font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.04em; color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; }
tfoot td { font-weight: 700; border-bottom: 0; }

dl.facts { display: grid; grid-template-columns: 180px 1fr; gap: 0.45rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
dl.facts + p { margin-top: 1rem; }

.device { display: flex; align-items: center; gap: 1rem; padding: 0.9rem 0; border-bottom: 1px solid var(--line); }
.device:last-child { border-bottom: 0; }
.device .what { flex: 1; min-width: 0; }
.device .name { font-weight: 600; }
.device .meta { color: var(--muted); font-size: 0.88rem; }
.device .ua { color: var(--muted); font-size: 0.75rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.pill {
  display: inline-block; font-size: 0.72rem; font-weight: 700; padding: 0.1rem 0.5rem;
  border-radius: 999px; background: var(--ok-bg); color: var(--ok-ink); margin-left: 0.4rem; vertical-align: 1px;
}
.devices { list-style: none; padding: 0; margin: 0; }
.device-icon { color: var(--muted); width: 2rem; display: grid; place-items: center; }
.muted { color: var(--muted); }
.empty { text-align: center; padding: 2rem 1rem; color: var(--muted); }
footer { max-width: 980px; margin: 0 auto; padding: 0 1.25rem 2rem; color: var(--muted); font-size: 0.85rem; }
`
