import type { AdminCreditPackageFragment, CreditPackageInput } from '~/graphql/generated';
import { formReader } from './catalogForms';
import { formatterFor, formatMinorUnits, parseCredits, parseMoney } from './format';

/** Form values are written in the notation the parser reads back, whatever the viewer's language. */
const formInputCredits = formatterFor().formatCredits;

/**
 * The credit package form: what the operator typed, as text; the price typed in major units (12.50) and
 * sent in minor units, credits typed in credits and sent in milli-credits, both without floating point.
 */
export interface CreditPackageFormValues {
  key: string;
  name: string;
  credits: string;
  price: string;
  currency: string;
  availableForPurchase: boolean;
  availableForAutoTopUp: boolean;
  displayOrder: string;
}

export const CREDIT_PACKAGE_INPUTS = [
  'key',
  'name',
  'credits',
  'price',
  'currency',
  'availableForPurchase',
  'availableForAutoTopUp',
  'displayOrder',
] as const;
/** The API's fields whose input on the form has another name. */
export const CREDIT_PACKAGE_RENAMES = { milliCredits: 'credits', priceAmount: 'price' };

export const EMPTY_CREDIT_PACKAGE: CreditPackageFormValues = {
  key: '',
  name: '',
  credits: '',
  price: '',
  currency: 'usd',
  availableForPurchase: true,
  availableForAutoTopUp: false,
  displayOrder: '0',
};

export function creditPackageValues(creditPackage: AdminCreditPackageFragment): CreditPackageFormValues {
  return {
    key: creditPackage.key,
    name: creditPackage.name,
    credits: formInputCredits(creditPackage.milliCredits),
    price: formatMinorUnits(creditPackage.price.amount, creditPackage.price.currency),
    currency: creditPackage.price.currency,
    availableForPurchase: creditPackage.availableForPurchase,
    availableForAutoTopUp: creditPackage.availableForAutoTopUp,
    displayOrder: String(creditPackage.displayOrder),
  };
}

export function creditPackageValuesFromForm(form: FormData): CreditPackageFormValues {
  const { text, checked } = formReader(form);
  return {
    key: text('key'),
    name: text('name'),
    credits: text('credits'),
    price: text('price'),
    currency: text('currency').toLowerCase(),
    availableForPurchase: checked('availableForPurchase'),
    availableForAutoTopUp: checked('availableForAutoTopUp'),
    displayOrder: text('displayOrder'),
  };
}

/** The package for the API, or what could not even be sent: text where a number or an amount belongs. */
export function creditPackageInput(
  values: CreditPackageFormValues,
): { ok: true; input: CreditPackageInput } | { ok: false; fieldErrors: Record<string, string> } {
  const fieldErrors: Record<string, string> = {};
  const milliCredits = parseCredits(values.credits);
  if (milliCredits === null) fieldErrors.credits = 'Enter credits such as 1000 or 2.5.';
  const wellFormedCurrency = /^[a-z]{3}$/.test(values.currency);
  if (!wellFormedCurrency) fieldErrors.currency = 'Enter a three-letter ISO 4217 code such as USD.';
  const priceAmount = wellFormedCurrency ? parseMoney(values.price, values.currency) : null;
  if (wellFormedCurrency && priceAmount === null)
    fieldErrors.price = 'Enter an amount above 0, such as 12 or 12.50.';
  if (!/^-?\d{1,7}$/.test(values.displayOrder)) fieldErrors.displayOrder = 'Enter a whole number.';
  if (milliCredits === null || priceAmount === null || Object.keys(fieldErrors).length > 0)
    return { ok: false, fieldErrors };
  return {
    ok: true,
    input: {
      key: values.key,
      name: values.name,
      milliCredits,
      priceAmount,
      currency: values.currency,
      availableForPurchase: values.availableForPurchase,
      availableForAutoTopUp: values.availableForAutoTopUp,
      displayOrder: Number(values.displayOrder),
    },
  };
}
