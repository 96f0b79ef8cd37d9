import { FilterForm } from '~/components/Filters';
import { Field, SelectField } from '~/components/forms';
import type { FilterField } from '~/lib/transactionFilters';
import { statusLabel } from '~/lib/format';

/** The filter form above the admin console's payment and invoice lists (a GET form). */
export function TransactionFilters({
  values,
  fieldErrors,
  statuses,
  kinds,
  searchHint,
}: {
  values: Record<FilterField, string>;
  fieldErrors: Partial<Record<FilterField, string>>;
  statuses: readonly string[];
  kinds?: ReadonlyArray<{ value: string; label: string }>;
  searchHint: string;
}) {
  return (
    <FilterForm submitLabel="Search" primary search>
      <Field
        label="Search"
        name="q"
        id="q"
        type="search"
        className="field-wide"
        defaultValue={values.q}
        placeholder={searchHint}
        error={fieldErrors.q}
      />
      <SelectField
        label="Status"
        name="status"
        id="status"
        defaultValue={values.status}
        error={fieldErrors.status}
        options={[
          { value: '', label: 'Any status' },
          ...statuses.map((status) => ({ value: status, label: statusLabel(status) })),
        ]}
      />
      {kinds ? (
        <SelectField
          label="Kind"
          name="kind"
          id="kind"
          defaultValue={values.kind}
          error={fieldErrors.kind}
          options={[{ value: '', label: 'Any kind' }, ...kinds]}
        />
      ) : null}
      <Field
        label="Currency"
        name="currency"
        id="currency"
        defaultValue={values.currency}
        placeholder="USD"
        maxLength={3}
        size={4}
        error={fieldErrors.currency}
      />
      <Field
        label="Amount from"
        name="min"
        id="min"
        inputMode="decimal"
        defaultValue={values.min}
        placeholder="0.00"
        error={fieldErrors.min}
      />
      <Field
        label="Amount to"
        name="max"
        id="max"
        inputMode="decimal"
        defaultValue={values.max}
        placeholder="100.00"
        error={fieldErrors.max}
      />
      <Field
        label="From"
        name="from"
        id="from"
        type="date"
        defaultValue={values.from}
        error={fieldErrors.from}
      />
      <Field label="To" name="to" id="to" type="date" defaultValue={values.to} error={fieldErrors.to} />
    </FilterForm>
  );
}
