import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react';
import { useState } from 'react';
import { FormError, Notice } from '~/components/forms';
import { PlanCard } from '~/components/PlanCard';
import { PageHeader } from '~/components/ui';
import {
  CurrentPlanDocument,
  PricingDocument,
  StartSubscriptionCheckoutDocument,
  StartTrialDocument,
  type PricingQuery,
} from '~/graphql/generated';
import { chosenMembership } from '~/lib/accountChoice.server';
import { field, getViewer, mutate, query } from '~/lib/api.server';
import { redirectToHostedPage, safeRedirect } from '~/lib/redirects.server';
import { yearlySaving } from '~/lib/plans';

export const meta: MetaFunction = () => [{ title: 'Pricing — Billing' }];

type Plan = PricingQuery['plans'][number];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { plans } = await query(context, request, PricingDocument, {});
  const viewer = await getViewer(context);
  const membership = viewer ? await chosenMembership(viewer.memberships, request) : undefined;
  const accountId = membership?.account.id;
  const account = accountId
    ? (await query(context, request, CurrentPlanDocument, { accountId })).account
    : null;
  const current = account?.subscription ?? null;
  return {
    plans,
    signedIn: Boolean(viewer),
    canBuy: membership ? membership.role !== 'MEMBER' : true,
    currentPlanId: current?.plan.id ?? null,
    currentSeats: current?.quantity ?? 1,
    // A paying customer changes plan (prorated) rather than opening a second Checkout.
    paying: Boolean(current && current.plan.price.amount > 0 && current.plan.interval !== 'LIFETIME'),
    salesContactUrl: context.salesContactUrl,
    // Visitors see the buttons: they sign up first, and their new account's flag decides then.
    selfServe: account?.selfServeBilling ?? true,
  };
}

/** Choosing a paid plan opens Stripe Checkout; a visitor first creates an account and comes back. */
export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const planId = field(form, 'planId');
  const viewer = await getViewer(context);
  const accountId = viewer ? (await chosenMembership(viewer.memberships, request))?.account.id : undefined;
  if (!viewer || !accountId) throw safeRedirect(`/signup?redirectTo=${encodeURIComponent('/pricing')}`);
  if (field(form, 'intent') === 'trial') {
    const outcome = await mutate(context, request, StartTrialDocument, { input: { accountId, planId } });
    return outcome.ok ? safeRedirect('/billing') : { ...outcome, planId };
  }
  const seatsText = field(form, 'seats');
  const seats = seatsText ? Number.parseInt(seatsText, 10) : null;
  const outcome = await mutate(context, request, StartSubscriptionCheckoutDocument, {
    input: { accountId, planId, seats: Number.isNaN(seats) ? -1 : seats },
  });
  if (!outcome.ok) return { ...outcome, planId };
  return redirectToHostedPage(outcome.data.startSubscriptionCheckout.url);
}

export default function Pricing() {
  const { plans, signedIn, currentPlanId, currentSeats, canBuy, paying, salesContactUrl, selfServe } =
    useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>();
  const [search] = useSearchParams();
  const yearly = search.get('interval') === 'year';
  // What the field holds, as typed (it may be empty, or out of bounds, while someone types); the prices
  // follow the last number of seats that can be bought.
  const [seatsText, setSeatsText] = useState(() => String(seatsWithin(search.get('seats')) ?? currentSeats));
  const [seats, setSeats] = useState(() => seatsWithin(seatsText) ?? 1);
  const seatsProblem =
    seatsWithin(seatsText) === undefined ? `Enter a whole number from 1 to ${MAX_SEATS}.` : null;

  const recurring = plans.filter((plan) => plan.interval !== 'LIFETIME');
  const lifetime = plans.filter((plan) => plan.interval === 'LIFETIME');
  const shown = pickPerTier(recurring, yearly ? 'YEAR' : 'MONTH');
  const bestSaving = Math.max(0, ...recurring.map((plan) => yearlySaving(plan, recurring)?.percent ?? 0));
  const hasPerSeat = shown.some((plan) => plan.perSeat);

  return (
    <>
      <PageHeader title="Pricing" description="Start free. Upgrade, change or cancel whenever you like." />
      <div className="pricing-toolbar">
        <nav className="segmented" aria-label="Billing period">
          <Link to={`?interval=month&seats=${seats}`} aria-current={!yearly} preventScrollReset>
            Monthly
          </Link>
          <Link to={`?interval=year&seats=${seats}`} aria-current={yearly} preventScrollReset>
            Yearly{bestSaving > 0 ? ` · save ${bestSaving}%` : ''}
          </Link>
        </nav>
        {hasPerSeat ? (
          <Form method="get" className="inline-form" preventScrollReset>
            <input type="hidden" name="interval" value={yearly ? 'year' : 'month'} />
            <div className="field seats-field">
              <label htmlFor="seats">Seats</label>
              <input
                id="seats"
                name="seats"
                type="number"
                inputMode="numeric"
                min={1}
                max={MAX_SEATS}
                step={1}
                value={seatsText}
                aria-invalid={seatsProblem ? true : undefined}
                aria-describedby={seatsProblem ? 'seats-problem' : undefined}
                onChange={(event) => {
                  setSeatsText(event.target.value);
                  const valid = seatsWithin(event.target.value);
                  if (valid !== undefined) setSeats(valid);
                }}
              />
              {seatsProblem ? (
                <p id="seats-problem" className="field-error" role="status">
                  {seatsProblem} Prices are shown for {seats}.
                </p>
              ) : null}
            </div>
            <noscript>
              <button type="submit" className="button">
                Update prices
              </button>
            </noscript>
          </Form>
        ) : null}
      </div>
      {failure ? <FormError message={failure.formError} /> : null}
      {selfServe ? null : (
        <Notice tone="info">
          Self-serve billing is turned off for this account: <a href={salesContactUrl}>contact sales</a> to
          change your plan.
        </Notice>
      )}
      <div className="plans">
        {shown.map((plan) => (
          <PlanOffer
            key={plan.id}
            plan={plan}
            plans={recurring}
            seats={seats}
            current={plan.id === currentPlanId}
            signedIn={signedIn}
            canBuy={canBuy}
            paying={paying}
            salesContactUrl={salesContactUrl}
            selfServe={selfServe}
          />
        ))}
      </div>
      {lifetime.length > 0 ? (
        <>
          <h2 className="section-heading">Pay once</h2>
          <div className="plans">
            {lifetime.map((plan) => (
              <PlanOffer
                key={plan.id}
                plan={plan}
                plans={recurring}
                seats={1}
                current={plan.id === currentPlanId}
                signedIn={signedIn}
                canBuy={canBuy}
                paying={false}
                salesContactUrl={salesContactUrl}
                selfServe={selfServe}
              />
            ))}
          </div>
        </>
      ) : null}
    </>
  );
}

/** The most seats one subscription can have (the API's bound, server/subscriptions/planChoice.ts). */
const MAX_SEATS = 10_000;

/** A number of seats that can be bought, from what was typed; undefined for anything else. */
function seatsWithin(text: string | null): number | undefined {
  if (!text || !/^\d+$/.test(text.trim())) return undefined;
  const seats = Number(text.trim());
  return seats >= 1 && seats <= MAX_SEATS ? seats : undefined;
}

/** The sales contact, with the plan as the subject when it is an email address. */
function salesContactLink(url: string, planName: string): string {
  if (!url.startsWith('mailto:') || url.includes('?')) return url;
  return `${url}?subject=${encodeURIComponent(`${planName} plan`)}`;
}

/** One plan per tier for the chosen period; a tier sold only monthly shows its monthly plan in both. */
function pickPerTier(plans: Plan[], interval: 'MONTH' | 'YEAR'): Plan[] {
  const byTier = new Map<string, Plan>();
  for (const plan of plans) {
    const chosen = byTier.get(plan.tier);
    if (!chosen || (chosen.interval !== interval && plan.interval === interval)) byTier.set(plan.tier, plan);
  }
  return [...byTier.values()].sort((a, b) => a.tierRank - b.tierRank);
}

function PlanOffer({
  plan,
  plans,
  seats,
  current,
  signedIn,
  canBuy,
  paying,
  salesContactUrl,
  selfServe,
}: {
  plan: Plan;
  plans: Plan[];
  seats: number;
  current: boolean;
  signedIn: boolean;
  canBuy: boolean;
  paying: boolean;
  salesContactUrl: string;
  selfServe: boolean;
}) {
  const submitting = useNavigation().formData?.get('planId') === plan.id;
  const contactSales = plan.purchaseMode === 'CONTACT_SALES';
  const free = plan.price.amount === 0;
  return (
    <PlanCard plan={plan} plans={plans} seats={seats} current={current}>
      {current ? (
        <button className="button button-block" disabled>
          Current plan
        </button>
      ) : contactSales || (!selfServe && !free) ? (
        <a className="button button-block" href={salesContactLink(salesContactUrl, plan.name)}>
          Contact sales
          <span className="visually-hidden">{` about ${plan.name}${plan.interval === 'YEAR' ? ' yearly' : ''}`}</span>
        </a>
      ) : free ? (
        signedIn ? null : (
          <Link to="/signup" className="button button-block">
            Start free
          </Link>
        )
      ) : paying && plan.interval !== 'LIFETIME' ? (
        <Link
          to={`/billing/plan?planId=${plan.id}${plan.perSeat ? `&seats=${seats}` : ''}`}
          className="button button-primary button-block"
        >
          Switch to {plan.name}
        </Link>
      ) : (
        <Form method="post">
          <input type="hidden" name="planId" value={plan.id} />
          {plan.perSeat ? <input type="hidden" name="seats" value={seats} /> : null}
          <button
            type="submit"
            className="button button-primary button-block"
            disabled={submitting || (signedIn && !canBuy)}
          >
            {submitting
              ? 'Opening checkout…'
              : plan.trialDays > 0
                ? `Start ${plan.trialDays}-day trial`
                : `Choose ${plan.name}`}
            {/* Screen readers list buttons out of their cards: each says which plan (and billing) it buys. */}
            <span className="visually-hidden">
              {`${submitting || plan.trialDays > 0 ? ` of ${plan.name}` : ''}${plan.interval === 'YEAR' ? ' yearly' : ''}`}
            </span>
          </button>
          {plan.trialWithoutCard && signedIn && canBuy ? (
            <button type="submit" name="intent" value="trial" className="button button-quiet button-block">
              Try it first, no card needed
            </button>
          ) : null}
        </Form>
      )}
    </PlanCard>
  );
}
