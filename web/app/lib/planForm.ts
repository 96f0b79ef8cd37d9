import type {
  BillingInterval,
  CatalogPlanFragment,
  EntitlementScope,
  PlanDraftInput,
  PurchaseMode,
} from '~/graphql/generated';
import { formatterFor, formatMinorUnits, parseCredits, parseMoney } from './format';

/** Form values are written in the notation the parser reads back, whatever the viewer's language. */
const formInputCredits = formatterFor().formatCredits;

/**
 * The plan editor's form (/admin/catalog): what the operator typed, as text, so a refused form comes back
 * exactly as it was sent; the draft it makes for the API; and where each of the API's field errors goes.
 * Prices are typed in major units (29.99) and sent in minor units, credits typed in credits and sent in
 * milli-credits, both without floating point.
 */

export interface LimitRow {
  featureKey: string;
  limit: string;
  unlimited: boolean;
  scope: string;
  /** The parent a per-resource limit counts under, e.g. room. */
  scopeResourceType: string;
  /** Percent admitted beyond the limit; empty for none. */
  overageBufferPercent: string;
}

export interface AllowanceRow {
  meterKey: string;
  includedQuantity: string;
  unlimited: boolean;
  /** Price per block in major units; empty when usage beyond the allowance is refused. */
  overageAmount: string;
  overageBlockSize: string;
}

export interface PlanFormValues {
  key: string;
  name: string;
  description: string;
  tier: string;
  tierRank: string;
  interval: string;
  price: string;
  currency: string;
  perSeat: boolean;
  trialDays: string;
  trialWithoutCard: boolean;
  purchaseMode: string;
  displayOrder: string;
  isDefault: boolean;
  /** Feature keys, separated by commas or lines. */
  features: string;
  limits: LimitRow[];
  meteredAllowances: AllowanceRow[];
  /** Credits granted each period; empty for none. */
  credits: string;
}

export const INTERVALS: ReadonlyArray<{ value: BillingInterval; label: string }> = [
  { value: 'MONTH', label: 'Monthly' },
  { value: 'YEAR', label: 'Yearly' },
  { value: 'LIFETIME', label: 'Once (lifetime)' },
];

export const PURCHASE_MODES: ReadonlyArray<{ value: PurchaseMode; label: string }> = [
  { value: 'SELF_SERVE', label: 'Self-serve, through Checkout' },
  { value: 'CONTACT_SALES', label: 'Contact sales' },
];

export const SCOPES: ReadonlyArray<{ value: EntitlementScope; label: string }> = [
  { value: 'ACCOUNT', label: 'Per account' },
  { value: 'PER_RESOURCE', label: 'Per parent resource' },
];

/** Empty rows offered under the filled ones, for entitlements to add. */
export const SPARE_ROWS = 2;

export const EMPTY_PLAN: PlanFormValues = {
  key: '',
  name: '',
  description: '',
  tier: '',
  tierRank: '',
  interval: 'MONTH',
  price: '',
  currency: 'usd',
  perSeat: false,
  trialDays: '0',
  trialWithoutCard: false,
  purchaseMode: 'SELF_SERVE',
  displayOrder: '0',
  isDefault: false,
  features: '',
  limits: [],
  meteredAllowances: [],
  credits: '',
};

/** A plan version as the editor shows it: the start of a new version, or the draft being edited. */
export function valuesFromPlan(plan: CatalogPlanFragment): PlanFormValues {
  const currency = plan.price.currency;
  const of = (kind: string) => plan.entitlements.filter((entitlement) => entitlement.kind === kind);
  const credits = of('CREDITS')[0]?.creditAllowanceMilliCredits;
  return {
    key: plan.key,
    name: plan.name,
    description: plan.description ?? '',
    tier: plan.tier,
    tierRank: String(plan.tierRank),
    interval: plan.interval,
    price: formatMinorUnits(plan.price.amount, currency),
    currency,
    perSeat: plan.perSeat,
    trialDays: String(plan.trialDays),
    trialWithoutCard: plan.trialWithoutCard,
    purchaseMode: plan.purchaseMode,
    displayOrder: String(plan.displayOrder),
    isDefault: plan.isDefault,
    features: of('BOOLEAN')
      .map((entitlement) => entitlement.featureKey)
      .join('\n'),
    limits: of('LIMIT').map((entitlement) => ({
      featureKey: entitlement.featureKey,
      limit: entitlement.limit === null ? '' : String(entitlement.limit),
      unlimited: entitlement.unlimited,
      scope: entitlement.scope,
      scopeResourceType: entitlement.scopeResourceType ?? '',
      overageBufferPercent: entitlement.overageBufferPercent ? String(entitlement.overageBufferPercent) : '',
    })),
    meteredAllowances: of('METERED').map((entitlement) => ({
      meterKey: entitlement.meter?.key ?? entitlement.featureKey,
      includedQuantity: entitlement.includedQuantity === null ? '' : String(entitlement.includedQuantity),
      unlimited: entitlement.unlimited,
      overageAmount: entitlement.overagePrice
        ? formatMinorUnits(entitlement.overagePrice.price.amount, currency)
        : '',
      overageBlockSize: entitlement.overagePrice ? String(entitlement.overagePrice.blockSize) : '',
    })),
    credits: credits == null ? '' : formInputCredits(credits).replaceAll(',', ''),
  };
}

/** What the form sent, with its empty entitlement rows left out (so row numbers match the API's paths). */
export function valuesFromForm(form: FormData): PlanFormValues {
  const text = (name: string) => {
    const value = form.get(name);
    return typeof value === 'string' ? value.trim() : '';
  };
  const checked = (name: string) => form.get(name) !== null;
  const rows = <Row>(
    prefix: string,
    read: (name: (part: string) => string) => Row,
    blank: (row: Row) => boolean,
  ) => {
    const found: Row[] = [];
    for (
      let index = 0;
      form.has(`${prefix}.${index}.${prefix === 'limits' ? 'featureKey' : 'meterKey'}`);
      index++
    ) {
      const row = read((part) => `${prefix}.${index}.${part}`);
      if (!blank(row)) found.push(row);
    }
    return found;
  };
  return {
    key: text('key'),
    name: text('name'),
    description: text('description'),
    tier: text('tier'),
    tierRank: text('tierRank'),
    interval: text('interval'),
    price: text('price'),
    currency: text('currency').toLowerCase(),
    perSeat: checked('perSeat'),
    trialDays: text('trialDays'),
    trialWithoutCard: checked('trialWithoutCard'),
    purchaseMode: text('purchaseMode'),
    displayOrder: text('displayOrder'),
    isDefault: checked('isDefault'),
    features: text('features'),
    limits: rows(
      'limits',
      (name) => ({
        featureKey: text(name('featureKey')),
        limit: text(name('limit')),
        unlimited: checked(name('unlimited')),
        scope: text(name('scope')) || 'ACCOUNT',
        scopeResourceType: text(name('scopeResourceType')),
        overageBufferPercent: text(name('overageBufferPercent')),
      }),
      (row) =>
        !row.featureKey &&
        !row.limit &&
        !row.unlimited &&
        row.scope === 'ACCOUNT' &&
        !row.scopeResourceType &&
        !row.overageBufferPercent,
    ),
    meteredAllowances: rows(
      'meteredAllowances',
      (name) => ({
        meterKey: text(name('meterKey')),
        includedQuantity: text(name('includedQuantity')),
        unlimited: checked(name('unlimited')),
        overageAmount: text(name('overageAmount')),
        overageBlockSize: text(name('overageBlockSize')),
      }),
      (row) =>
        !row.meterKey &&
        !row.includedQuantity &&
        !row.unlimited &&
        !row.overageAmount &&
        !row.overageBlockSize,
    ),
    credits: text('credits'),
  };
}

export function featureKeys(values: PlanFormValues): string[] {
  return values.features
    .split(/[,\n]/)
    .map((key) => key.trim())
    .filter(Boolean);
}

export type DraftOutcome =
  { ok: true; input: PlanDraftInput } | { ok: false; fieldErrors: Record<string, string> };

/**
 * The draft for the API, or what could not even be sent: text where a number or an amount belongs.
 * Everything else (keys, ranges, rules between fields, unknown meters) is the API's to judge.
 */
export function draftInput(values: PlanFormValues): DraftOutcome {
  const problems: Record<string, string> = {};
  const whole = (name: string, text: string, fallback: number | null = null) => {
    if (text === '') {
      if (fallback === null) problems[name] = 'Enter a whole number.';
      return fallback ?? 0;
    }
    if (!/^-?\d{1,15}$/.test(text)) problems[name] = 'Enter a whole number.';
    return Number(text);
  };
  const optionalWhole = (name: string, text: string) => (text === '' ? null : whole(name, text));
  const knownCurrency = /^[a-z]{3}$/.test(values.currency);
  if (!knownCurrency) problems.currency = 'Enter a three-letter ISO 4217 code such as USD.';
  const money = (name: string, text: string, options: { allowZero?: boolean } = {}) => {
    if (!knownCurrency) return 0;
    const amount = parseMoney(text, values.currency, options);
    if (amount === null)
      problems[name] = options.allowZero
        ? 'Enter an amount such as 29 or 29.99, or 0 for a free plan.'
        : 'Enter an amount such as 0.50, or leave it empty to refuse usage beyond the allowance.';
    return amount ?? 0;
  };
  const interval = INTERVALS.find((choice) => choice.value === values.interval)?.value;
  if (!interval) problems.interval = 'Choose how often the price is charged.';
  const purchaseMode = PURCHASE_MODES.find((choice) => choice.value === values.purchaseMode)?.value;
  if (!purchaseMode) problems.purchaseMode = 'Choose how the plan is sold.';
  let creditsPerPeriodMilliCredits: number | null = null;
  if (values.credits) {
    creditsPerPeriodMilliCredits = parseCredits(values.credits);
    if (creditsPerPeriodMilliCredits === null)
      problems.credits = 'Enter credits such as 500 or 12.5, or leave it empty for none.';
  }

  const input: PlanDraftInput = {
    key: values.key,
    name: values.name,
    description: values.description || null,
    tier: values.tier,
    tierRank: whole('tierRank', values.tierRank),
    interval: interval ?? 'MONTH',
    priceAmount: money('price', values.price, { allowZero: true }),
    currency: values.currency,
    perSeat: values.perSeat,
    trialDays: whole('trialDays', values.trialDays, 0),
    trialWithoutCard: values.trialWithoutCard,
    purchaseMode: purchaseMode ?? 'SELF_SERVE',
    displayOrder: whole('displayOrder', values.displayOrder, 0),
    isDefault: values.isDefault,
    features: featureKeys(values),
    limits: values.limits.map((row, index) => {
      const name = (part: string) => `limits.${index}.${part}`;
      const scope = SCOPES.find((choice) => choice.value === row.scope)?.value;
      if (!scope) problems[name('scope')] = 'Choose whom the limit counts for.';
      return {
        featureKey: row.featureKey,
        limit: optionalWhole(name('limit'), row.limit),
        unlimited: row.unlimited,
        scope: scope ?? 'ACCOUNT',
        scopeResourceType: row.scopeResourceType || null,
        overageBufferPercent: whole(name('overageBufferPercent'), row.overageBufferPercent, 0),
      };
    }),
    meteredAllowances: values.meteredAllowances.map((row, index) => {
      const name = (part: string) => `meteredAllowances.${index}.${part}`;
      if (!row.overageAmount && row.overageBlockSize)
        problems[name('overageAmount')] = 'Enter the price of a block, or leave the block size empty.';
      return {
        meterKey: row.meterKey,
        includedQuantity: optionalWhole(name('includedQuantity'), row.includedQuantity),
        unlimited: row.unlimited,
        overage: row.overageAmount
          ? {
              amount: money(name('overageAmount'), row.overageAmount),
              blockSize: whole(name('overageBlockSize'), row.overageBlockSize, 1),
            }
          : null,
      };
    }),
    creditsPerPeriodMilliCredits,
  };
  return Object.keys(problems).length > 0 ? { ok: false, fieldErrors: problems } : { ok: true, input };
}

const SCALAR_INPUTS = new Set([
  'key',
  'name',
  'description',
  'tier',
  'tierRank',
  'interval',
  'currency',
  'perSeat',
  'trialDays',
  'trialWithoutCard',
  'purchaseMode',
  'displayOrder',
  'isDefault',
]);

/** The form input an API field path concerns (`priceAmount` → `price`), or null when none does. */
export function inputFor(path: string): string | null {
  if (SCALAR_INPUTS.has(path)) return path;
  if (path === 'priceAmount') return 'price';
  if (path === 'creditsPerPeriodMilliCredits') return 'credits';
  if (/^features(\.\d+)?$/.test(path)) return 'features';
  const limit =
    /^limits\.(\d+)(?:\.(featureKey|limit|unlimited|scope|scopeResourceType|overageBufferPercent))?$/.exec(
      path,
    );
  if (limit) return `limits.${limit[1]}.${limit[2] ?? 'featureKey'}`;
  const allowance =
    /^meteredAllowances\.(\d+)(?:\.(meterKey|includedQuantity|unlimited|overage)(?:\.(amount|blockSize))?)?$/.exec(
      path,
    );
  if (allowance) {
    const [, index, part = 'meterKey', overagePart] = allowance;
    const input =
      part === 'overage' ? (overagePart === 'blockSize' ? 'overageBlockSize' : 'overageAmount') : part;
    return `meteredAllowances.${index}.${input}`;
  }
  return null;
}

/**
 * The API's field errors placed on the form's inputs; a problem with no input of its own (a list too
 * long) is left for the form's message. A bad feature key is named, since they share one box.
 */
export function placeFieldErrors(
  fieldErrors: Record<string, string>,
  values: PlanFormValues,
): { byInput: Record<string, string>; unplaced: string[] } {
  const byInput: Record<string, string> = {};
  const unplaced: string[] = [];
  const features = featureKeys(values);
  for (const [path, problem] of Object.entries(fieldErrors)) {
    const input = inputFor(path);
    if (!input) {
      unplaced.push(`${path}: ${problem}`);
      continue;
    }
    const feature = /^features\.(\d+)$/.exec(path);
    const message = feature
      ? `${features[Number(feature[1])] ?? 'A feature'}: ${problem}`
      : problem.charAt(0).toUpperCase() + problem.slice(1);
    byInput[input] = byInput[input] ? `${byInput[input]}; ${message}` : message;
  }
  return { byInput, unplaced };
}

/** The id of an input of the editor, e.g. `plan-meteredAllowances-0-meterKey`; its error is `<id>-error`. */
export function inputId(name: string): string {
  return `plan-${name.replaceAll('.', '-')}`;
}
