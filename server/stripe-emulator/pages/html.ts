/** Small helpers for the hosted pages: plain, accessible HTML that works without JavaScript. */

import { expiryProblem } from '../payments/cards';

export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Tagged template that escapes every interpolated value unless it is already rendered `Html`. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0];
  values.forEach((value, index) => {
    const rendered = Array.isArray(value)
      ? value.map((entry) => (entry instanceof Html ? entry.text : escapeHtml(entry))).join('')
      : value instanceof Html
        ? value.text
        : escapeHtml(value);
    out += rendered + strings[index + 1];
  });
  return new Html(out);
}

const STYLE = `
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1a1f36;line-height:1.5}
h1{font-size:1.5rem;overflow-wrap:anywhere}h2{font-size:1.15rem;margin-top:2rem}
label{display:block;margin-top:.75rem;font-weight:600}
input,select{font-size:1rem;padding:.5rem;width:100%;box-sizing:border-box;border:1px solid #8792a2;border-radius:4px}
button{font-size:1rem;padding:.6rem 1.2rem;margin-top:1rem;border:0;border-radius:4px;background:#635bff;color:#fff;cursor:pointer}
button.secondary{background:#e3e8ee;color:#1a1f36}
.error{background:#fde8e8;border:1px solid #df1b41;color:#8b0020;padding:.75rem;border-radius:4px}
.notice{background:#eef2ff;border:1px solid #635bff;padding:.75rem;border-radius:4px}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.4rem;border-bottom:1px solid #e3e8ee}
.scroll{overflow-x:auto}
@media (max-width:30rem){body{margin:1rem auto}td,th{padding:.3rem .25rem;font-size:.9rem}}
.badge{font-size:.8rem;padding:.1rem .4rem;border-radius:3px;background:#fff3cd}
footer{margin-top:3rem;font-size:.85rem;color:#697386}`;

export function page(title: string, body: Html): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title}</title>
        <style>
          ${new Html(STYLE)}
        </style>
      </head>
      <body>
        <main>${body}</main>
        <footer>Stripe emulator &mdash; test mode. No real payment is made.</footer>
      </body>
    </html>`.text;
}

/** Card fields shared by Checkout, the portal and the invoice page; names are documented in docs/stripe-emulator.md. */
export function cardFields(
  values: { card_number?: string; card_expiry?: string; card_cvc?: string; name?: string } = {},
): Html {
  return html` <label for="card_number">Card number</label>
    <input
      id="card_number"
      name="card_number"
      inputmode="numeric"
      autocomplete="cc-number"
      required
      value="${values.card_number ?? ''}"
      placeholder="4242 4242 4242 4242"
    />
    <label for="card_expiry">Expiry (MM / YY)</label>
    <input
      id="card_expiry"
      name="card_expiry"
      autocomplete="cc-exp"
      required
      value="${values.card_expiry ?? ''}"
      placeholder="12 / 34"
    />
    <label for="card_cvc">CVC</label>
    <input
      id="card_cvc"
      name="card_cvc"
      inputmode="numeric"
      autocomplete="cc-csc"
      required
      value="${values.card_cvc ?? ''}"
      placeholder="123"
    />
    <label for="name">Name on card</label>
    <input id="name" name="name" autocomplete="cc-name" value="${values.name ?? ''}" />`;
}

export interface CardInput {
  number: string;
  expMonth: number;
  expYear: number;
}

/** Reads the card fields; returns a message for the payer when they are not usable. */
export function readCardFields(form: Record<string, unknown>): CardInput | { error: string } {
  const number = String(form.card_number ?? '').replace(/[\s-]/g, '');
  if (!/^\d{12,19}$/.test(number)) return { error: 'Your card number is incomplete.' };
  const expiry = String(form.card_expiry ?? '').match(/^\s*(\d{1,2})\s*\/?\s*(\d{2}|\d{4})\s*$/);
  if (!expiry) return { error: "Your card's expiration date is incomplete." };
  const expMonth = Number(expiry[1]);
  const expYear = expiry[2].length === 2 ? 2000 + Number(expiry[2]) : Number(expiry[2]);
  if (expMonth < 1 || expMonth > 12) return { error: "Your card's expiration month is invalid." };
  if (expiryProblem(expMonth, expYear, new Date()))
    return { error: "Your card's expiration year is in the past." };
  if (!/^\d{3,4}$/.test(String(form.card_cvc ?? '').trim()))
    return { error: "Your card's security code is incomplete." };
  return { number, expMonth, expYear };
}

export function hiddenFields(fields: Record<string, string | undefined>): Html[] {
  return Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}" />`);
}
