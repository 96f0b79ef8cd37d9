import type { AdminMeterFragment, MeterAggregation, MeterInput } from '~/graphql/generated';
import { formReader } from './catalogForms';
import { formatterFor, parseCredits } from './format';

/** Form values are written in the notation the parser reads back, whatever the viewer's language. */
const formInputCredits = formatterFor().formatCredits;

/** The meter form: what the operator typed, as text; credit costs typed in credits, sent in milli-credits. */
export interface MeterFormValues {
  key: string;
  name: string;
  aggregation: string;
  property: string;
  unit: string;
  /** Credits one unit costs; empty when it cannot be paid for with credits. */
  creditCost: string;
}

export const METER_INPUTS = ['key', 'name', 'aggregation', 'property', 'unit', 'creditCost'] as const;
/** The API's fields whose input on the form has another name. */
export const METER_RENAMES = { creditCostMilliCredits: 'creditCost' };

export const AGGREGATIONS: ReadonlyArray<{ value: MeterAggregation; label: string }> = [
  { value: 'SUM', label: 'Sum of the quantities' },
  { value: 'COUNT', label: 'Number of events' },
  { value: 'MAX', label: 'Largest quantity' },
  { value: 'UNIQUE_COUNT', label: 'Distinct values of a property' },
  { value: 'LATEST', label: 'Quantity of the latest event' },
];

export const EMPTY_METER: MeterFormValues = {
  key: '',
  name: '',
  aggregation: 'SUM',
  property: '',
  unit: '',
  creditCost: '',
};

export function meterValues(meter: AdminMeterFragment): MeterFormValues {
  return {
    key: meter.key,
    name: meter.name,
    aggregation: meter.aggregation,
    property: meter.property ?? '',
    unit: meter.unit,
    creditCost: meter.creditCostMilliCredits === null ? '' : formInputCredits(meter.creditCostMilliCredits),
  };
}

export function meterValuesFromForm(form: FormData): MeterFormValues {
  const { text } = formReader(form);
  return {
    key: text('key'),
    name: text('name'),
    aggregation: text('aggregation'),
    property: text('property'),
    unit: text('unit'),
    creditCost: text('creditCost'),
  };
}

/** The meter for the API, or what could not even be sent; keys, ranges and rules are the API's to judge. */
export function meterInput(
  values: MeterFormValues,
): { ok: true; input: MeterInput } | { ok: false; fieldErrors: Record<string, string> } {
  const fieldErrors: Record<string, string> = {};
  const aggregation = AGGREGATIONS.find((choice) => choice.value === values.aggregation)?.value;
  if (!aggregation) fieldErrors.aggregation = 'Choose how its events add up.';
  const creditCost = values.creditCost === '' ? null : parseCredits(values.creditCost);
  if (values.creditCost !== '' && creditCost === null)
    fieldErrors.creditCost = 'Enter credits such as 0.25, or leave it empty.';
  if (!aggregation || Object.keys(fieldErrors).length > 0) return { ok: false, fieldErrors };
  return {
    ok: true,
    input: {
      key: values.key,
      name: values.name,
      aggregation,
      property: values.property || null,
      unit: values.unit || null,
      creditCostMilliCredits: creditCost,
    },
  };
}
