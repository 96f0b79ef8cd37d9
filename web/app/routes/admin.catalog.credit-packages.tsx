import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react';
import { CreditPackageForm } from '~/components/CreditPackageForm';
import { DataTable } from '~/components/DataTable';
import { FormError, Notice, PostButton } from '~/components/forms';
import { Card, PageHeader } from '~/components/ui';
import {
  AdminCreditPackagesDocument,
  SaveCreditPackageDocument,
  WithdrawCreditPackageDocument,
} from '~/graphql/generated';
import { field, invalid, mutate, query, requireAdmin } from '~/lib/api.server';
import { placeFieldErrors } from '~/lib/catalogForms';
import {
  CREDIT_PACKAGE_INPUTS,
  CREDIT_PACKAGE_RENAMES,
  EMPTY_CREDIT_PACKAGE,
  creditPackageInput,
  creditPackageValues,
  creditPackageValuesFromForm,
} from '~/lib/creditPackageForm';
import { useFormat } from '~/lib/formatContext';
import { safeRedirect } from '~/lib/redirects.server';

export const meta: MetaFunction = () => [{ title: 'Credit packages — Admin' }];

const PAGE = '/admin/catalog/credit-packages';

/** Every credit package, withdrawn ones included, with the form for a new one or, with `?edit=<key>`, that one. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(context, request);
  const { creditPackages } = await query(context, request, AdminCreditPackagesDocument, {});
  const editKey = new URL(request.url).searchParams.get('edit');
  const editing =
    editKey === null ? null : (creditPackages.find((creditPackage) => creditPackage.key === editKey) ?? null);
  if (editKey !== null && !editing)
    throw new Response('No credit package has this key.', { status: 404, statusText: 'Not Found' });
  return {
    creditPackages,
    editing: editing !== null,
    values: editing ? creditPackageValues(editing) : EMPTY_CREDIT_PACKAGE,
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  await requireAdmin(context, request);
  const form = await request.formData();
  switch (field(form, 'intent')) {
    case 'save': {
      const values = creditPackageValuesFromForm(form);
      const editing = field(form, 'mode') === 'edit';
      const converted = creditPackageInput(values);
      if (!converted.ok) return { ...invalid(converted.fieldErrors), values, editing };
      const outcome = await mutate(context, request, SaveCreditPackageDocument, {
        input: converted.input,
        createOnly: !editing,
      });
      if (!outcome.ok)
        return {
          ...placeFieldErrors(outcome, CREDIT_PACKAGE_INPUTS, CREDIT_PACKAGE_RENAMES),
          values,
          editing,
        };
      const key = encodeURIComponent(outcome.data.saveCreditPackage.key);
      return safeRedirect(`${PAGE}?done=${editing ? 'saved' : 'created'}&key=${key}`);
    }
    case 'withdraw': {
      const outcome = await mutate(context, request, WithdrawCreditPackageDocument, {
        key: field(form, 'key'),
      });
      if (!outcome.ok) return { ...outcome, values: null, editing: false };
      const key = encodeURIComponent(outcome.data.withdrawCreditPackage.key);
      return safeRedirect(`${PAGE}?done=withdrawn&key=${key}`);
    }
    default:
      throw new Response('Unknown action.', { status: 400 });
  }
}

const DONE: Record<string, (key: string) => string> = {
  created: (key) => `Credit package ${key} created, at its price in Stripe.`,
  saved: (key) => `Credit package ${key} saved; a new price is sold from now on.`,
  withdrawn: (key) =>
    `Credit package ${key} withdrawn: it is no longer sold, by hand or by automatic top-up.`,
};

export default function CreditPackages() {
  const { formatCredits, formatMoney } = useFormat();
  const { creditPackages, editing, values } = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>();
  const [search] = useSearchParams();
  const busy = useNavigation().state === 'submitting';
  const done = DONE[search.get('done') ?? ''];
  const shown = failure?.values ?? values;
  return (
    <>
      <PageHeader
        title="Credit packages"
        description={
          <>
            <Link to="/admin/catalog">← Catalog</Link> · Bundles of credits sold through Checkout and bought
            by automatic top-up.
          </>
        }
      />
      {done ? <Notice tone="success">{done(search.get('key') ?? '')}</Notice> : null}
      <FormError message={failure?.formError} />
      <Card>
        <DataTable
          caption="Credit packages"
          rows={creditPackages}
          rowKey={(creditPackage) => creditPackage.id}
          empty="No credit packages yet."
          columns={[
            { header: 'Key', cell: (creditPackage) => <code>{creditPackage.key}</code> },
            { header: 'Name', cell: (creditPackage) => creditPackage.name },
            {
              header: 'Credits',
              cell: (creditPackage) => formatCredits(creditPackage.milliCredits),
              numeric: true,
            },
            { header: 'Price', cell: (creditPackage) => formatMoney(creditPackage.price), numeric: true },
            {
              header: 'Sold',
              cell: (creditPackage) =>
                !creditPackage.active
                  ? 'Withdrawn'
                  : [
                      creditPackage.availableForPurchase ? 'Checkout' : null,
                      creditPackage.availableForAutoTopUp ? 'automatic top-up' : null,
                    ]
                      .filter(Boolean)
                      .join(', ') || 'Not sold',
            },
            {
              header: 'Actions',
              cell: (creditPackage) => (
                <>
                  <Link
                    to={`${PAGE}?edit=${encodeURIComponent(creditPackage.key)}`}
                    aria-label={`Edit ${creditPackage.key}`}
                  >
                    {creditPackage.active ? 'Edit' : 'Edit and restore'}
                  </Link>{' '}
                  {creditPackage.active ? (
                    <PostButton
                      fields={{ intent: 'withdraw', key: creditPackage.key }}
                      className="button button-small"
                      inline
                    >
                      {`Withdraw ${creditPackage.key}`}
                    </PostButton>
                  ) : null}
                </>
              ),
              nowrap: true,
            },
          ]}
        />
      </Card>
      <Card title={editing ? `Edit ${values.key}` : 'New credit package'} className="section">
        <CreditPackageForm
          key={JSON.stringify(shown)}
          values={shown}
          errors={failure?.fieldErrors ?? {}}
          editing={failure?.editing ?? editing}
          busy={busy}
        />
      </Card>
    </>
  );
}
