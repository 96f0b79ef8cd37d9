import { stripe } from './client';

/** A saved card as the customer recognises it; nothing that could charge it. */
export interface CardSummary {
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
}

/** The card charged when the customer is not there: their default, else the newest card on file. */
export async function cardOnFileId(stripeCustomerId: string): Promise<string | null> {
  const customer = await stripe().customers.retrieve(stripeCustomerId);
  const preferred = !customer.deleted ? customer.invoice_settings?.default_payment_method : null;
  if (preferred) return typeof preferred === 'string' ? preferred : preferred.id;
  const [card] = (await stripe().customers.listPaymentMethods(stripeCustomerId, { type: 'card', limit: 1 }))
    .data;
  return card?.id ?? null;
}

/** That card's brand, last four digits and expiry; null when there is none, or it is not a card. */
export async function describeCardOnFile(stripeCustomerId: string): Promise<CardSummary | null> {
  const id = await cardOnFileId(stripeCustomerId);
  if (!id) return null;
  const card = (await stripe().paymentMethods.retrieve(id)).card;
  if (!card) return null;
  return { brand: card.brand, last4: card.last4, expMonth: card.exp_month, expYear: card.exp_year };
}
