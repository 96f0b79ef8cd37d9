import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { ContactSalesInstead } from '~/components/ContactSales';
import { Field, FormError, Notice } from '~/components/forms';
import { Card, PageHeader } from '~/components/ui';
import {
  ChangePlanDocument,
  ChangeSeatsDocument,
  CurrentPlanDocument,
  PlanChangeDocument,
  PricingDocument,
  StartSubscriptionCheckoutDocument,
  type PlanChangeQuery,
} from '~/graphql/generated';
import { field, mutate, query, queryOutcome, requireAccount, type ActionFailure } from '~/lib/api.server';
import { intervalLabel } from '~/lib/format';
import { useFormat } from '~/lib/formatContext';
import { redirectToHostedPage, safeRedirect } from '~/lib/redirects.server';

export const meta: MetaFunction = () => [{ title: 'Change plan — Billing' }];

/**
 * Changing plan or seats, in one step after seeing its price: the preview says what is charged now
 * (prorated), or that a downgrade waits for the end of the period, and the button confirms exactly it.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { accountId, canManageBilling } = await requireAccount(context, request);
  if (!canManageBilling)
    throw new Response('Only the account’s owners and admins can change its plan.', { status: 403 });
  const search = new URL(request.url).searchParams;
  const { account } = await query(context, request, CurrentPlanDocument, { accountId });
  if (!account.selfServeBilling) return { salesOnly: { salesContactUrl: context.salesContactUrl } };
  const current = account.subscription;
  const planId = search.get('planId') ?? current?.plan.id;
  if (!planId) throw safeRedirect('/pricing');
  const seats = parseSeats(search.get('seats'));
  // A trial without a card changes plan by adding its card through Checkout, which keeps its days.
  if (current?.trialWithoutCard) {
    const { plans } = await query(context, request, PricingDocument, {});
    const plan = plans.find((candidate) => candidate.id === planId);
    if (!plan)
      return {
        refusal: { message: 'The plan you chose is not a plan on sale.', seats: null },
        planId,
        seats: 1,
      };
    return { addingCard: { plan, seats, trialEnd: current.trialEnd, current: current.plan.name } };
  }
  // The seats page opens on the current count: nothing changes, so there is no price to show yet.
  if (current?.plan.perSeat && planId === current.plan.id && (seats === null || seats === current.quantity)) {
    return { choosingSeats: { planId, planName: current.plan.name, seats: current.quantity } };
  }
  // A change the API refuses (self-serve billing turned off, fewer seats than are in use) is explained
  // on this page, next to the seats when they are the problem, rather than as an error page.
  const outcome = await queryOutcome(context, request, PlanChangeDocument, { accountId, planId, seats });
  if (!outcome.ok)
    return { refusal: describeRefusal(outcome), planId, seats: seats ?? current?.quantity ?? 1 };
  return { preview: outcome.data.previewPlanChange, current: outcome.data.account.subscription };
}

function describeRefusal({ code, formError, fieldErrors }: ActionFailure) {
  if (code !== 'BAD_USER_INPUT') return { message: formError, seats: null };
  if (fieldErrors.seats) return { message: null, seats: fieldErrors.seats };
  return {
    message: fieldErrors.planId ? `The plan you chose ${fieldErrors.planId}.` : formError,
    seats: null,
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { accountId } = await requireAccount(context, request);
  const form = await request.formData();
  const planId = field(form, 'planId');
  const seats = parseSeats(field(form, 'seats'));
  const prorationDate = parseSeats(field(form, 'prorationDate'));
  if (field(form, 'intent') === 'checkout') {
    const outcome = await mutate(context, request, StartSubscriptionCheckoutDocument, {
      input: { accountId, planId, seats },
    });
    return outcome.ok ? redirectToHostedPage(outcome.data.startSubscriptionCheckout.url) : outcome;
  }
  if (field(form, 'intent') === 'seats' && seats !== null) {
    const outcome = await mutate(context, request, ChangeSeatsDocument, {
      input: { accountId, seats, prorationDate },
    });
    return outcome.ok ? safeRedirect('/billing?done=seats') : outcome;
  }
  const outcome = await mutate(context, request, ChangePlanDocument, {
    input: { accountId, planId, seats, prorationDate },
  });
  if (!outcome.ok) return outcome;
  // A downgrade waits for the renewal: saying "changed" now would be untrue until then.
  return safeRedirect(
    outcome.data.changePlan.kind === 'DOWNGRADE' ? '/billing?done=scheduled' : '/billing?done=changed',
  );
}

function parseSeats(text: string | null): number | null {
  if (!text || !/^\d{1,9}$/.test(text)) return null;
  return Number(text);
}

export default function ChangePlanPage() {
  const data = useLoaderData<typeof loader>();
  if (data.salesOnly) return <SalesOnly {...data.salesOnly} />;
  if (data.choosingSeats) return <ChooseSeats {...data.choosingSeats} />;
  if (data.addingCard) return <AddCardToTrial {...data.addingCard} />;
  if (data.refusal) return <RefusedChange refusal={data.refusal} planId={data.planId} seats={data.seats} />;
  return <ChangePlan preview={data.preview} current={data.current} />;
}

/** Asks for a number of seats; the page then shows what the change costs before anything is changed. */
function SeatsForm({ planId, seats, error }: { planId: string; seats: number; error?: string }) {
  return (
    <Form method="get" className="inline-form">
      <input type="hidden" name="planId" value={planId} />
      <Field
        label="Seats"
        name="seats"
        type="number"
        min={1}
        max={10000}
        defaultValue={seats}
        error={error}
      />
      <button type="submit" className="button">
        Update the price
      </button>
    </Form>
  );
}

function ChooseSeats({ planId, planName, seats }: { planId: string; planName: string; seats: number }) {
  return (
    <div className="narrow wider">
      <PageHeader title="Change seats" description={<Link to="/billing">← Back to billing</Link>} />
      <Card>
        <p>
          {planName} has {seats} {seats === 1 ? 'seat' : 'seats'} now. Choose how many you need: you see the
          price for the rest of this period before anything changes.
        </p>
        <SeatsForm planId={planId} seats={seats} />
      </Card>
    </div>
  );
}

/** Self-serve billing is off for this account: no form that would only be refused. */
function SalesOnly({ salesContactUrl }: { salesContactUrl: string }) {
  return (
    <div className="narrow wider">
      <PageHeader title="Change plan" description={<Link to="/billing">← Back to billing</Link>} />
      <Card>
        <ContactSalesInstead salesContactUrl={salesContactUrl} action="change your plan or seats" />
      </Card>
    </div>
  );
}

function RefusedChange({
  refusal,
  planId,
  seats,
}: {
  refusal: { message: string | null; seats: string | null };
  planId: string;
  seats: number;
}) {
  return (
    <div className="narrow wider">
      <PageHeader title="Change plan" description={<Link to="/billing">← Back to billing</Link>} />
      {refusal.message ? <Notice tone="warning">{refusal.message}</Notice> : null}
      {refusal.seats ? (
        <Card>
          <SeatsForm planId={planId} seats={seats} error={refusal.seats} />
        </Card>
      ) : (
        <p>
          <Link to="/billing" className="button">
            Back to billing
          </Link>
        </p>
      )}
    </div>
  );
}

function ChangePlan({
  preview,
  current,
}: {
  preview: PlanChangeQuery['previewPlanChange'];
  current: PlanChangeQuery['account']['subscription'];
}) {
  const { formatDate, formatMoney } = useFormat();
  const failure = useActionData<typeof action>();
  const busy = useNavigation().state !== 'idle';
  const samePlan = current?.plan.id === preview.plan.id;
  // Upgrades and changes of seats alone take effect now; only downgrades wait for the period's end.
  const immediate = preview.kind !== 'DOWNGRADE';
  const trialEnd = current?.status === 'TRIALING' ? current.trialEnd : null;
  const title = samePlan ? 'Change seats' : `Switch to ${preview.plan.name}`;
  return (
    <div className="narrow wider">
      <PageHeader title={title} description={<Link to="/billing">← Back to billing</Link>} />
      <FormError message={failure?.formError} />
      <Card>
        <dl className="stack facts">
          <div>
            <dt className="muted small">From</dt>
            <dd>
              {current
                ? `${current.plan.name} · ${formatMoney(current.plan.price)} per ${current.plan.perSeat ? 'seat per ' : ''}${intervalLabel(current.plan.interval)}${current.plan.perSeat ? ` · ${current.quantity} seats` : ''}`
                : '—'}
            </dd>
          </div>
          <div>
            <dt className="muted small">To</dt>
            <dd>
              <strong>
                {preview.plan.name} · {formatMoney(preview.plan.price)} per{' '}
                {preview.plan.perSeat ? 'seat per ' : ''}
                {intervalLabel(preview.plan.interval)}
                {preview.plan.perSeat ? ` · ${preview.seats} seats` : ''}
              </strong>
            </dd>
          </div>
        </dl>
        {preview.plan.perSeat ? (
          <div className="section">
            <SeatsForm planId={preview.plan.id} seats={preview.seats} />
          </div>
        ) : null}
        <div className="card-footer stacked">
          {!immediate ? (
            <p>
              Takes effect on <strong>{formatDate(preview.effectiveAt)}</strong>, at the end of your current
              period. Nothing is charged now, and you keep your current plan until then.
            </p>
          ) : trialEnd ? (
            <p>
              <strong>Nothing to pay now.</strong> Your trial continues on {preview.plan.name} until{' '}
              {formatDate(trialEnd)}; then{' '}
              {formatMoney({
                ...preview.plan.price,
                amount: preview.plan.price.amount * (preview.plan.perSeat ? preview.seats : 1),
              })}{' '}
              per {intervalLabel(preview.plan.interval)} is charged to your card.
            </p>
          ) : (
            <ProratedCharge preview={preview} />
          )}
          <Form method="post">
            <input type="hidden" name="planId" value={preview.plan.id} />
            <input type="hidden" name="seats" value={preview.seats} />
            <input type="hidden" name="intent" value={samePlan ? 'seats' : 'plan'} />
            {preview.prorationDate !== null ? (
              <input type="hidden" name="prorationDate" value={preview.prorationDate} />
            ) : null}
            <button type="submit" className="button button-primary button-block" disabled={busy}>
              {samePlan
                ? `Confirm ${preview.seats} seats`
                : !immediate
                  ? `Switch on ${formatDate(preview.effectiveAt)}`
                  : preview.amountDueNow.amount > 0
                    ? `Pay ${formatMoney(preview.amountDueNow)} and switch`
                    : `Switch to ${preview.plan.name}`}
            </button>
          </Form>
        </div>
      </Card>
    </div>
  );
}

/**
 * A trial without a card moves to another plan through Stripe Checkout: the card is added there, the
 * trial continues on the new plan, and the first charge comes when it ends.
 */
function AddCardToTrial({
  plan,
  seats,
  trialEnd,
  current,
}: {
  plan: {
    id: string;
    name: string;
    perSeat: boolean;
    interval: string;
    price: { amount: number; currency: string };
  };
  seats: number | null;
  trialEnd: string | null;
  current: string;
}) {
  const { formatDate, formatMoney } = useFormat();
  const failure = useActionData<typeof action>();
  const busy = useNavigation().state !== 'idle';
  return (
    <div className="narrow wider">
      <PageHeader
        title={`Switch to ${plan.name}`}
        description={<Link to="/billing">← Back to billing</Link>}
      />
      <FormError message={failure?.formError} />
      <Card>
        <p>
          Your {current} trial has no card yet. Add one through Stripe Checkout to move to {plan.name}
          {trialEnd ? (
            <>
              : your trial continues on {plan.name} until <strong>{formatDate(trialEnd)}</strong>, and nothing
              is charged before then
            </>
          ) : null}
          . After that, {formatMoney(plan.price)} per {plan.perSeat ? 'seat per ' : ''}
          {intervalLabel(plan.interval)}.
        </p>
        <p className="muted small">
          With less than two days of trial left, Stripe’s Checkout charges the first period at once instead.
        </p>
        <Form method="post">
          <input type="hidden" name="intent" value="checkout" />
          <input type="hidden" name="planId" value={plan.id} />
          {seats !== null ? <input type="hidden" name="seats" value={seats} /> : null}
          <button type="submit" className="button button-primary button-block" disabled={busy}>
            Add a card and switch to {plan.name}
          </button>
        </Form>
      </Card>
    </div>
  );
}

/** What an immediate change costs for the rest of the period: a charge now, or (fewer seats) a credit. */
function ProratedCharge({ preview }: { preview: PlanChangeQuery['previewPlanChange'] }) {
  const { formatMoney } = useFormat();
  const credit = preview.amountDueNow.amount < 0;
  return (
    <>
      <p>
        <span className="muted">
          {credit
            ? 'Credited to your next invoice (prorated for the rest of this period)'
            : 'Due now (prorated for the rest of this period)'}
        </span>
        <br />
        <span className="big-number">
          {formatMoney({ ...preview.amountDueNow, amount: Math.abs(preview.amountDueNow.amount) })}
        </span>
      </p>
      {preview.lines.length > 0 ? (
        <table>
          <caption className="visually-hidden">How the amount is worked out</caption>
          <tbody>
            {preview.lines.map((line, index) => (
              <tr key={index}>
                <td>{line.description}</td>
                <td className="number">{formatMoney(line.amount)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <p className="muted small section">
        {credit
          ? 'Takes effect at once; the unused time is credited to your next invoice.'
          : 'Takes effect at once and is charged to your card on file.'}
      </p>
    </>
  );
}
