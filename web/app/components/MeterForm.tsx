import { Form, Link } from '@remix-run/react';
import { Field, SelectField } from '~/components/forms';
import { AGGREGATIONS, type MeterFormValues } from '~/lib/meterForm';

/**
 * A meter's whole definition, as one form posted to /admin/catalog/meters (intent `save`). How a meter
 * adds up never changes once it exists, so editing shows its aggregation and property without letting
 * them change. Inputs are uncontrolled: the page keys the form by `values`, so a refused form comes back
 * as it was sent, with or without JavaScript.
 */
export function MeterForm({
  values,
  errors,
  editing,
  busy,
}: {
  values: MeterFormValues;
  errors: Record<string, string>;
  editing: boolean;
  busy: boolean;
}) {
  const props = (name: string) => ({ name, id: `meter-${name}`, error: errors[name] });
  const fixed = 'Fixed once the meter exists: its usage is added up this way as it is recorded.';
  return (
    <Form
      method="post"
      action={
        editing ? `/admin/catalog/meters?edit=${encodeURIComponent(values.key)}` : '/admin/catalog/meters'
      }
    >
      <input type="hidden" name="intent" value="save" />
      <input type="hidden" name="mode" value={editing ? 'edit' : 'create'} />
      <div className="editor-row">
        <Field
          label="Key"
          {...props('key')}
          defaultValue={values.key}
          readOnly={editing}
          required
          hint="What usage is recorded against, e.g. agent_action.small; it never changes."
        />
        <Field label="Name" {...props('name')} defaultValue={values.name} required />
      </div>
      <div className="editor-row">
        {editing ? <input type="hidden" name="aggregation" value={values.aggregation} /> : null}
        <SelectField
          label="Adds up as"
          {...props('aggregation')}
          // A disabled select is not sent: the hidden input above carries the value when editing.
          name={editing ? 'aggregation-shown' : 'aggregation'}
          options={AGGREGATIONS}
          defaultValue={values.aggregation}
          disabled={editing}
          hint={editing ? fixed : 'How its events add up over a billing period.'}
        />
        <Field
          label="Property"
          {...props('property')}
          defaultValue={values.property}
          readOnly={editing}
          hint={
            editing
              ? fixed
              : 'For distinct values only: the event property counted, e.g. user_id. Leave empty otherwise.'
          }
        />
      </div>
      <div className="editor-row">
        <Field
          label="Unit"
          {...props('unit')}
          defaultValue={values.unit}
          hint="e.g. action or GB; unit when empty."
        />
        <Field
          label="Credits per unit"
          {...props('creditCost')}
          defaultValue={values.creditCost}
          inputMode="decimal"
          hint="What one unit costs when paid for with credits, e.g. 0.25; empty when it cannot be."
        />
      </div>
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={busy}>
          {editing ? 'Save meter' : 'Create meter'}
        </button>
        {editing ? <Link to="/admin/catalog/meters">Cancel</Link> : null}
      </div>
    </Form>
  );
}
