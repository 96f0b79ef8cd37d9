import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react';
import { DataTable } from '~/components/DataTable';
import { FormError, Notice, PostButton } from '~/components/forms';
import { MeterForm } from '~/components/MeterForm';
import { Card, PageHeader } from '~/components/ui';
import { AdminMetersDocument, ArchiveMeterDocument, SaveMeterDocument } from '~/graphql/generated';
import { field, invalid, mutate, query, requireAdmin } from '~/lib/api.server';
import { placeFieldErrors } from '~/lib/catalogForms';
import { useFormat } from '~/lib/formatContext';
import {
  AGGREGATIONS,
  EMPTY_METER,
  METER_INPUTS,
  METER_RENAMES,
  meterInput,
  meterValues,
  meterValuesFromForm,
} from '~/lib/meterForm';
import { safeRedirect } from '~/lib/redirects.server';

export const meta: MetaFunction = () => [{ title: 'Meters — Admin' }];

const PAGE = '/admin/catalog/meters';

/** Every meter, archived ones included, with the form for a new one or, with `?edit=<key>`, that one. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(context, request);
  const { meters } = await query(context, request, AdminMetersDocument, {});
  const editKey = new URL(request.url).searchParams.get('edit');
  const editing = editKey === null ? null : (meters.find((meter) => meter.key === editKey) ?? null);
  if (editKey !== null && !editing)
    throw new Response('No meter has this key.', { status: 404, statusText: 'Not Found' });
  return { meters, editing: editing !== null, values: editing ? meterValues(editing) : EMPTY_METER };
}

export async function action({ request, context }: ActionFunctionArgs) {
  await requireAdmin(context, request);
  const form = await request.formData();
  switch (field(form, 'intent')) {
    case 'save': {
      const values = meterValuesFromForm(form);
      const editing = field(form, 'mode') === 'edit';
      const converted = meterInput(values);
      if (!converted.ok) return { ...invalid(converted.fieldErrors), values, editing };
      const outcome = await mutate(context, request, SaveMeterDocument, {
        input: converted.input,
        createOnly: !editing,
      });
      if (!outcome.ok) return { ...placeFieldErrors(outcome, METER_INPUTS, METER_RENAMES), values, editing };
      const key = encodeURIComponent(outcome.data.saveMeter.key);
      return safeRedirect(`${PAGE}?done=${editing ? 'saved' : 'created'}&key=${key}`);
    }
    case 'archive': {
      const outcome = await mutate(context, request, ArchiveMeterDocument, { key: field(form, 'key') });
      if (!outcome.ok) return { ...outcome, values: null, editing: false };
      return safeRedirect(`${PAGE}?done=archived&key=${encodeURIComponent(outcome.data.archiveMeter.key)}`);
    }
    default:
      throw new Response('Unknown action.', { status: 400 });
  }
}

const DONE: Record<string, (key: string) => string> = {
  created: (key) => `Meter ${key} created: usage can be recorded against it now.`,
  saved: (key) => `Meter ${key} saved.`,
  archived: (key) => `Meter ${key} archived: usage is no longer recorded against it.`,
};

export default function Meters() {
  const { formatCredits } = useFormat();
  const { meters, editing, values } = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>();
  const [search] = useSearchParams();
  const busy = useNavigation().state === 'submitting';
  const done = DONE[search.get('done') ?? ''];
  const shown = failure?.values ?? values;
  const aggregationLabel = (value: string) => AGGREGATIONS.find((choice) => choice.value === value)?.label;
  return (
    <>
      <PageHeader
        title="Meters"
        description={
          <>
            <Link to="/admin/catalog">← Catalog</Link> · What usage is recorded against, and how it adds up
            over a billing period.
          </>
        }
      />
      {done ? <Notice tone="success">{done(search.get('key') ?? '')}</Notice> : null}
      <FormError message={failure?.formError} />
      <Card>
        <DataTable
          caption="Meters"
          rows={meters}
          rowKey={(meter) => meter.id}
          empty="No meters: usage cannot be recorded yet."
          columns={[
            { header: 'Key', cell: (meter) => <code>{meter.key}</code> },
            { header: 'Name', cell: (meter) => meter.name },
            {
              header: 'Adds up',
              cell: (meter) =>
                meter.property
                  ? `${aggregationLabel(meter.aggregation)} (${meter.property})`
                  : aggregationLabel(meter.aggregation),
            },
            { header: 'Unit', cell: (meter) => meter.unit, hideOnPhone: true },
            {
              header: 'Credits per unit',
              cell: (meter) =>
                meter.creditCostMilliCredits === null ? '—' : formatCredits(meter.creditCostMilliCredits),
              numeric: true,
            },
            {
              header: 'Status',
              cell: (meter) =>
                meter.active ? (
                  <span className="badge badge-good">In use</span>
                ) : (
                  <span className="muted">Archived</span>
                ),
            },
            {
              header: 'Actions',
              cell: (meter) => (
                <>
                  <Link to={`${PAGE}?edit=${encodeURIComponent(meter.key)}`} aria-label={`Edit ${meter.key}`}>
                    {meter.active ? 'Edit' : 'Edit and restore'}
                  </Link>{' '}
                  {meter.active ? (
                    <PostButton
                      fields={{ intent: 'archive', key: meter.key }}
                      className="button button-small"
                      inline
                    >
                      {`Archive ${meter.key}`}
                    </PostButton>
                  ) : null}
                </>
              ),
              nowrap: true,
            },
          ]}
        />
      </Card>
      <Card title={editing ? `Edit ${values.key}` : 'New meter'} className="section">
        <MeterForm
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
