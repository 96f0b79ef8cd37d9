import type { CatalogPlanFragment } from '~/graphql/generated';
import { formatterFor, intervalLabel, type Formatter } from './format';

type VersionedPlan = Pick<
  CatalogPlanFragment,
  | 'id'
  | 'key'
  | 'version'
  | 'status'
  | 'active'
  | 'subscriberCount'
  | 'price'
  | 'interval'
  | 'perSeat'
  | 'purchaseMode'
>;

/** The catalog's plans by key, in the catalog's order, each key's newest version first. */
export function planGroups<Plan extends VersionedPlan>(plans: readonly Plan[]) {
  const groups = new Map<string, Plan[]>();
  for (const plan of plans) groups.set(plan.key, [...(groups.get(plan.key) ?? []), plan]);
  return [...groups.entries()].map(([key, versions]) => ({
    key,
    versions: versions.sort((a, b) => b.version - a.version),
  }));
}

/** "$29.99 per seat / month", "Free", "Contact sales ($500.00 / year)". */
export function priceLabel(plan: VersionedPlan, { formatMoney }: Formatter = formatterFor()): string {
  const per = plan.interval === 'LIFETIME' ? 'once' : `/ ${intervalLabel(plan.interval)}`;
  const price = `${formatMoney(plan.price)}${plan.perSeat ? ' per seat' : ''} ${per}`;
  if (plan.purchaseMode === 'CONTACT_SALES') return `Contact sales (${price})`;
  return plan.price.amount === 0 ? `Free (${price})` : price;
}

/** "its 3 subscribers keep it", "its 1 subscriber keeps it", "nobody is on it". */
function subscribersKeepIt(count: number, { formatNumber }: Formatter, andWhat = ''): string {
  if (count === 0) return 'nobody is on it';
  return count === 1
    ? `its 1 subscriber keeps it${andWhat}`
    : `its ${formatNumber(count)} subscribers keep it${andWhat}`;
}

/** What publishing this draft does, said before the button. */
export function publishConsequence(
  draft: VersionedPlan,
  onSale: VersionedPlan | undefined,
  format: Formatter = formatterFor(),
): string {
  const start = `Publishing puts version ${draft.version} of ${draft.key} on sale now at ${priceLabel(draft, format)}: new customers get it from now on`;
  if (!onSale) return `${start}.`;
  return `${start}, and version ${onSale.version} is no longer sold; ${subscribersKeepIt(onSale.subscriberCount, format, ' and its price')}.`;
}

/** What archiving this version does, said before the button. */
export function archiveConsequence(plan: VersionedPlan, format: Formatter = formatterFor()): string {
  if (plan.status === 'DRAFT')
    return `Discarding this draft archives it; it was never sold, and a new draft of ${plan.key} can be written at any time.`;
  const kept = subscribersKeepIt(plan.subscriberCount, format);
  if (plan.active)
    return `Archiving takes version ${plan.version} of ${plan.key} off sale now; ${kept}. Nobody can buy ${plan.key} until a new version of it is published.`;
  return `Version ${plan.version} is no longer sold (a newer version replaced it); archiving marks it withdrawn, and ${kept}.`;
}
