import type { Money } from './generated/resolvers';

/** The API's Money: an integer amount of minor units with its currency. */
export function money(amount: number, currency: string): Money {
  return { amount, currency };
}

type PricedRow<Field extends string> = Record<Field, number> & { currency: string };

/** Resolvers for fields of a row that hold minor units of the row's own currency. */
export function moneyFields<Field extends string>(
  ...fields: Field[]
): Record<Field, (row: PricedRow<Field>) => Money> {
  return Object.fromEntries(
    fields.map((field) => [field, (row: PricedRow<Field>) => money(row[field], row.currency)]),
  ) as Record<Field, (row: PricedRow<Field>) => Money>;
}
