import { parseMoney } from './format';

/**
 * The filters of the admin console's payment and invoice lists, read from the address (a GET form, so
 * they work without JavaScript and can be shared). Amounts are typed in major units ("29.99", in the
 * chosen currency, else with two decimals); dates are days, both ends included, in UTC.
 */
export interface TransactionFilterForm<Filter> {
  /** What the form shows, as typed. */
  values: Record<FilterField, string>;
  /** Problems by form field; when there are any, the list is not asked for. */
  fieldErrors: Partial<Record<FilterField, string>>;
  filter: Filter;
}

export type FilterField = 'q' | 'status' | 'currency' | 'kind' | 'min' | 'max' | 'from' | 'to';

export interface TransactionFilter {
  search?: string;
  status?: string;
  currency?: string;
  kind?: string;
  amountMin?: number;
  amountMax?: number;
  from?: string;
  to?: string;
}

const FIELDS: FilterField[] = ['q', 'status', 'currency', 'kind', 'min', 'max', 'from', 'to'];
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function readTransactionFilter(
  params: URLSearchParams,
  { statuses, kinds = [] }: { statuses: readonly string[]; kinds?: readonly string[] },
): TransactionFilterForm<TransactionFilter> {
  const values = Object.fromEntries(FIELDS.map((name) => [name, (params.get(name) ?? '').trim()])) as Record<
    FilterField,
    string
  >;
  const fieldErrors: Partial<Record<FilterField, string>> = {};
  const filter: TransactionFilter = {};
  if (values.q) filter.search = values.q;
  if (values.status) {
    if (statuses.includes(values.status)) filter.status = values.status;
    else fieldErrors.status = 'Choose a status from the list.';
  }
  if (values.kind) {
    if (kinds.includes(values.kind)) filter.kind = values.kind;
    else fieldErrors.kind = 'Choose a kind from the list.';
  }
  if (values.currency) {
    if (/^[a-z]{3}$/i.test(values.currency)) filter.currency = values.currency.toLowerCase();
    else fieldErrors.currency = 'Type a three-letter currency code, such as USD.';
  }
  for (const [field, key] of [
    ['min', 'amountMin'],
    ['max', 'amountMax'],
  ] as const) {
    if (!values[field]) continue;
    const amount = parseMoney(values[field], filter.currency ?? 'usd', { allowZero: true });
    if (amount === null) fieldErrors[field] = 'Type an amount such as 29.99.';
    else filter[key] = amount;
  }
  for (const field of ['from', 'to'] as const) {
    if (!values[field]) continue;
    const day = DAY.test(values[field]) ? new Date(`${values[field]}T00:00:00Z`) : null;
    if (!day || Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== values[field])
      fieldErrors[field] = 'Type a date such as 2026-01-31.';
    // The last day is included: the range ends at the next midnight.
    else
      filter[field] = field === 'to' ? new Date(day.getTime() + 86_400_000).toISOString() : day.toISOString();
  }
  return { values, fieldErrors, filter };
}

/** The API's field errors (`filter.amountMax`) as the form's fields. */
export function formFieldErrors(apiErrors: Record<string, string>): Partial<Record<FilterField, string>> {
  const fields: Record<string, FilterField> = {
    'filter.search': 'q',
    'filter.status': 'status',
    'filter.currency': 'currency',
    'filter.kind': 'kind',
    'filter.amountMin': 'min',
    'filter.amountMax': 'max',
    'filter.from': 'from',
    'filter.to': 'to',
  };
  const errors: Partial<Record<FilterField, string>> = {};
  for (const [path, problem] of Object.entries(apiErrors)) {
    const field = fields[path];
    if (field)
      errors[field] =
        problem === 'must be after from' ? 'Must not be before the first day.' : capitalised(problem);
  }
  return errors;
}

const capitalised = (problem: string) => `${problem[0]?.toUpperCase() ?? ''}${problem.slice(1)}.`;
