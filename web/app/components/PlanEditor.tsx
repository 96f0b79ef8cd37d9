import { Form } from '@remix-run/react';
import { CheckboxField, Field, SelectField, TextAreaField } from '~/components/forms';
import {
  INTERVALS,
  PURCHASE_MODES,
  SCOPES,
  SPARE_ROWS,
  inputId,
  type AllowanceRow,
  type LimitRow,
  type PlanFormValues,
} from '~/lib/planForm';

const BLANK_LIMIT: LimitRow = {
  featureKey: '',
  limit: '',
  unlimited: false,
  scope: 'ACCOUNT',
  scopeResourceType: '',
  overageBufferPercent: '',
};
const BLANK_ALLOWANCE: AllowanceRow = {
  meterKey: '',
  includedQuantity: '',
  unlimited: false,
  overageAmount: '',
  overageBlockSize: '',
};

/**
 * The whole definition of a draft plan, as one form posted to the page (intent `save`). Every input's id
 * comes from its name (inputId), so the API's field errors land next to the input they concern. Its
 * inputs are uncontrolled: pages key it by `values`, so a refused form comes back as the server read it
 * (empty rows dropped, as the API's row numbers count them) with or without JavaScript.
 */
export function PlanEditor({
  values,
  errors,
  meters,
  submitLabel,
  busy,
}: {
  values: PlanFormValues;
  errors: Record<string, string>;
  meters: ReadonlyArray<{ key: string; name: string }>;
  submitLabel: string;
  busy: boolean;
}) {
  const props = (name: string) => ({ name, id: inputId(name), error: errors[name] });
  const limits = [...values.limits, ...Array.from({ length: SPARE_ROWS }, () => BLANK_LIMIT)];
  const allowances = [
    ...values.meteredAllowances,
    ...Array.from({ length: SPARE_ROWS }, () => BLANK_ALLOWANCE),
  ];
  return (
    <Form method="post" className="plan-editor">
      <input type="hidden" name="intent" value="save" />
      <fieldset>
        <legend>The plan</legend>
        <div className="editor-row">
          <Field
            label="Key"
            {...props('key')}
            defaultValue={values.key}
            required
            hint="Shared by all versions, e.g. pro_monthly. A key already sold gets its next version."
          />
          <Field label="Name" {...props('name')} defaultValue={values.name} required />
        </div>
        <Field label="Description" {...props('description')} defaultValue={values.description} />
        <div className="editor-row">
          <Field
            label="Tier"
            {...props('tier')}
            defaultValue={values.tier}
            required
            hint="Monthly and yearly plans of one tier share it, e.g. pro."
          />
          <Field
            label="Tier rank"
            {...props('tierRank')}
            defaultValue={values.tierRank}
            inputMode="numeric"
            required
            hint="A higher rank is an upgrade (0 to 1000)."
          />
          <Field
            label="Display order"
            {...props('displayOrder')}
            defaultValue={values.displayOrder}
            inputMode="numeric"
            hint="Lower first on the pricing page."
          />
        </div>
      </fieldset>

      <fieldset>
        <legend>Price</legend>
        <div className="editor-row">
          <Field
            label="Price"
            {...props('price')}
            defaultValue={values.price}
            inputMode="decimal"
            required
            hint="Per interval (per seat on per-seat plans), e.g. 29.99; 0 for the free plan."
          />
          <Field
            label="Currency"
            {...props('currency')}
            defaultValue={values.currency.toUpperCase()}
            required
            hint="ISO 4217, e.g. USD."
          />
          <SelectField
            label="Interval"
            {...props('interval')}
            options={INTERVALS}
            defaultValue={values.interval}
          />
        </div>
        <div className="editor-row">
          <SelectField
            label="Sold"
            {...props('purchaseMode')}
            options={PURCHASE_MODES}
            defaultValue={values.purchaseMode}
          />
          <Field
            label="Trial days"
            {...props('trialDays')}
            defaultValue={values.trialDays}
            inputMode="numeric"
            hint="0 for no trial."
          />
        </div>
        <CheckboxField label="Priced per seat" {...props('perSeat')} defaultChecked={values.perSeat} />
        <CheckboxField
          label="The trial can start without a card"
          {...props('trialWithoutCard')}
          defaultChecked={values.trialWithoutCard}
        />
        <CheckboxField
          label="New accounts start on this plan (free, self-serve, no trial)"
          {...props('isDefault')}
          defaultChecked={values.isDefault}
        />
      </fieldset>

      <fieldset>
        <legend>What it gives</legend>
        <TextAreaField
          label="Features"
          {...props('features')}
          defaultValue={values.features}
          rows={3}
          hint="Feature keys it turns on, separated by commas or lines, e.g. api_access."
        />
        <Field
          label="Credits each period"
          {...props('credits')}
          defaultValue={values.credits}
          inputMode="decimal"
          hint="Granted at the start of every period; empty for none."
        />
        <h3 className="editor-heading">Limits</h3>
        <p className="muted small">
          Countable resources it caps, e.g. projects: a limit or unlimited, for the whole account or for each
          parent resource (participants per room). A buffer admits that percent beyond the limit before
          refusing. Leave a row empty to drop it.
        </p>
        {limits.map((row, index) => {
          const name = (part: string) => `limits.${index}.${part}`;
          return (
            <div className="editor-row" key={`limit-${index}`}>
              <Field
                label={`Limit ${index + 1}: resource`}
                {...props(name('featureKey'))}
                defaultValue={row.featureKey}
              />
              <Field label="Limit" {...props(name('limit'))} defaultValue={row.limit} inputMode="numeric" />
              <CheckboxField
                label="Unlimited"
                {...props(name('unlimited'))}
                defaultChecked={row.unlimited}
                className="field-checkbox"
              />
              <SelectField
                label="Counted"
                {...props(name('scope'))}
                options={SCOPES}
                defaultValue={row.scope}
              />
              <Field
                label="Parent resource"
                {...props(name('scopeResourceType'))}
                defaultValue={row.scopeResourceType}
                hint="Per parent resource only, e.g. room."
              />
              <Field
                label="Buffer %"
                {...props(name('overageBufferPercent'))}
                defaultValue={row.overageBufferPercent}
                inputMode="numeric"
                hint="0 to 100; empty for none."
              />
            </div>
          );
        })}
        <h3 className="editor-heading">Metered allowances</h3>
        <p className="muted small">
          Usage included each period, by meter: a quantity or unlimited. With an overage price, usage beyond
          the allowance is charged per block of units started; without one, it is refused.
        </p>
        <datalist id="meter-keys">
          {meters.map((meter) => (
            <option key={meter.key} value={meter.key}>
              {meter.name}
            </option>
          ))}
        </datalist>
        {allowances.map((row, index) => {
          const name = (part: string) => `meteredAllowances.${index}.${part}`;
          return (
            <div className="editor-row" key={`allowance-${index}`}>
              <Field
                label={`Allowance ${index + 1}: meter`}
                {...props(name('meterKey'))}
                defaultValue={row.meterKey}
                list="meter-keys"
              />
              <Field
                label="Included"
                {...props(name('includedQuantity'))}
                defaultValue={row.includedQuantity}
                inputMode="numeric"
              />
              <CheckboxField
                label="Unlimited"
                {...props(name('unlimited'))}
                defaultChecked={row.unlimited}
                className="field-checkbox"
              />
              <Field
                label="Overage price per block"
                {...props(name('overageAmount'))}
                defaultValue={row.overageAmount}
                inputMode="decimal"
              />
              <Field
                label="Block size"
                {...props(name('overageBlockSize'))}
                defaultValue={row.overageBlockSize}
                inputMode="numeric"
              />
            </div>
          );
        })}
      </fieldset>
      <button type="submit" className="button button-primary" disabled={busy}>
        {submitLabel}
      </button>
    </Form>
  );
}
