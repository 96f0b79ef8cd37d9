import { Form, Link } from '@remix-run/react';
import { CheckboxField, Field } from '~/components/forms';
import type { CreditPackageFormValues } from '~/lib/creditPackageForm';

/**
 * A credit package's whole definition, as one form posted to /admin/catalog/credit-packages (intent
 * `save`). Inputs are uncontrolled: the page keys the form by `values`, so a refused form comes back as it
 * was sent, with or without JavaScript.
 */
export function CreditPackageForm({
  values,
  errors,
  editing,
  busy,
}: {
  values: CreditPackageFormValues;
  errors: Record<string, string>;
  editing: boolean;
  busy: boolean;
}) {
  const props = (name: string) => ({ name, id: `package-${name}`, error: errors[name] });
  const page = '/admin/catalog/credit-packages';
  return (
    <Form method="post" action={editing ? `${page}?edit=${encodeURIComponent(values.key)}` : page}>
      <input type="hidden" name="intent" value="save" />
      <input type="hidden" name="mode" value={editing ? 'edit' : 'create'} />
      <div className="editor-row">
        <Field
          label="Key"
          {...props('key')}
          defaultValue={values.key}
          readOnly={editing}
          required
          hint="e.g. credits_1000; it never changes."
        />
        <Field
          label="Name"
          {...props('name')}
          defaultValue={values.name}
          required
          hint="e.g. 1,000 credits."
        />
      </div>
      <div className="editor-row">
        <Field
          label="Credits"
          {...props('credits')}
          defaultValue={values.credits}
          inputMode="decimal"
          required
          hint="Credits in the package, e.g. 1000."
        />
        <Field
          label="Price"
          {...props('price')}
          defaultValue={values.price}
          inputMode="decimal"
          required
          hint="e.g. 18.00. A new price is sold at once; purchases already made keep theirs."
        />
        <Field
          label="Currency"
          {...props('currency')}
          defaultValue={values.currency.toUpperCase()}
          required
          hint="ISO 4217, e.g. USD."
        />
      </div>
      <CheckboxField
        label="On sale through Checkout"
        {...props('availableForPurchase')}
        defaultChecked={values.availableForPurchase}
      />
      <CheckboxField
        label="Offered to automatic top-up (each account picks which of these its top-ups buy)"
        {...props('availableForAutoTopUp')}
        defaultChecked={values.availableForAutoTopUp}
      />
      <Field
        label="Display order"
        {...props('displayOrder')}
        defaultValue={values.displayOrder}
        inputMode="numeric"
        hint="Lower first."
      />
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={busy}>
          {editing ? 'Save package' : 'Create package'}
        </button>
        {editing ? <Link to={page}>Cancel</Link> : null}
      </div>
    </Form>
  );
}
