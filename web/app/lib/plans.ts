import { formatterFor, type Formatter, type MoneyValue } from './format';

interface PricedPlan {
  tier: string;
  interval: string;
  price: MoneyValue;
}

/** What a year costs less on the yearly plan than twelve months of the same tier's monthly plan. */
export function yearlySaving(
  plan: PricedPlan,
  plans: PricedPlan[],
): { amount: MoneyValue; percent: number } | null {
  if (plan.interval !== 'YEAR') return null;
  const monthly = plans.find(
    (candidate) =>
      candidate.tier === plan.tier &&
      candidate.interval === 'MONTH' &&
      candidate.price.currency === plan.price.currency,
  );
  if (!monthly) return null;
  const twelveMonths = monthly.price.amount * 12;
  const saved = twelveMonths - plan.price.amount;
  if (saved <= 0) return null;
  return {
    amount: { amount: saved, currency: plan.price.currency },
    percent: Math.round((saved * 100) / twelveMonths),
  };
}

interface EntitlementLike {
  featureKey: string;
  kind: string;
  unlimited: boolean;
  limit: number | null;
  /** Set when the limit counts per parent resource, e.g. room. */
  scopeResourceType?: string | null;
  includedQuantity: number | null;
  creditAllowanceMilliCredits: number | null;
  meter: { name: string; unit: string } | null;
}

/** One line of a plan's feature list, in words. */
export function describeEntitlement(
  entitlement: EntitlementLike,
  { formatNumber, formatCredits }: Formatter = formatterFor(),
): string {
  const feature = humanize(entitlement.featureKey);
  switch (entitlement.kind) {
    case 'LIMIT': {
      const per = entitlement.scopeResourceType
        ? ` per ${humanize(entitlement.scopeResourceType).toLowerCase()}`
        : '';
      return entitlement.unlimited
        ? `Unlimited ${lowerFirst(feature)}${per}`
        : `${formatNumber(entitlement.limit ?? 0)} ${lowerFirst(feature)}${per}`;
    }
    case 'METERED': {
      const name = entitlement.meter?.name ?? feature;
      if (entitlement.unlimited) return `Unlimited ${lowerFirst(name)}`;
      return `${formatNumber(entitlement.includedQuantity ?? 0)} ${lowerFirst(name)} a month`;
    }
    case 'CREDITS':
      return `${formatCredits(entitlement.creditAllowanceMilliCredits ?? 0)} credits included a month`;
    default:
      return feature;
  }
}

const ACRONYMS: Record<string, string> = { api: 'API', sso: 'SSO', gb: 'GB', xl: 'XL' };

function humanize(key: string): string {
  const words = key
    .split(/[._]/)
    .filter(Boolean)
    .map((word) => ACRONYMS[word] ?? word);
  const text = words.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const KIND_ORDER: Record<string, number> = { CREDITS: 0, METERED: 1, LIMIT: 2, BOOLEAN: 3 };

/** Credits and allowances first (what people compare), then limits, then features. */
export function sortEntitlements<T extends EntitlementLike>(entitlements: readonly T[]): T[] {
  return [...entitlements].sort(
    (a, b) =>
      (KIND_ORDER[a.kind] ?? 9) - (KIND_ORDER[b.kind] ?? 9) || a.featureKey.localeCompare(b.featureKey),
  );
}

function lowerFirst(text: string): string {
  return /^[A-Z]{2}/.test(text) ? text : text.charAt(0).toLowerCase() + text.slice(1);
}
