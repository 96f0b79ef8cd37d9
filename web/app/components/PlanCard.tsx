import type { ReactNode } from 'react';
import { intervalLabel, type MoneyValue } from '~/lib/format';
import { useFormat } from '~/lib/formatContext';
import { describeEntitlement, sortEntitlements, yearlySaving } from '~/lib/plans';

/** What a plan card shows: a plan of the pricing page, or a draft of the catalog being previewed. */
export interface CardPlan {
  id: string;
  key: string;
  name: string;
  description: string | null;
  tier: string;
  tierRank: number;
  interval: string;
  price: MoneyValue;
  trialDays: number;
  perSeat: boolean;
  purchaseMode: string;
  entitlements: ReadonlyArray<Parameters<typeof describeEntitlement>[0]>;
}

const FEATURES_AT_A_GLANCE = 6;

function FeatureList({ entitlements }: { entitlements: CardPlan['entitlements'] }) {
  const format = useFormat();
  const sorted = sortEntitlements(entitlements);
  const rest = sorted.slice(FEATURES_AT_A_GLANCE);
  return (
    <div className="plan-features-wrap">
      <ul className="plan-features">
        {sorted.slice(0, FEATURES_AT_A_GLANCE).map((entitlement) => (
          <li key={entitlement.featureKey}>{describeEntitlement(entitlement, format)}</li>
        ))}
      </ul>
      {rest.length > 0 ? (
        <details className="plan-more">
          <summary>{rest.length} more</summary>
          <ul className="plan-features">
            {rest.map((entitlement) => (
              <li key={entitlement.featureKey}>{describeEntitlement(entitlement, format)}</li>
            ))}
          </ul>
        </details>
      ) : null}
    </div>
  );
}

/**
 * A plan as the pricing page sells it: name, price (per seat, with the yearly saving against `plans`),
 * and what it gives. What the customer can do with it (`children`) is the page's.
 */
export function PlanCard({
  plan,
  plans,
  seats,
  current,
  children,
}: {
  plan: CardPlan;
  plans: readonly CardPlan[];
  seats: number;
  current: boolean;
  children?: ReactNode;
}) {
  const { formatMoney } = useFormat();
  const saving = plan.interval === 'YEAR' ? yearlySaving(plan, [...plans]) : null;
  const contactSales = plan.purchaseMode === 'CONTACT_SALES';
  const total = { ...plan.price, amount: plan.price.amount * (plan.perSeat ? seats : 1) };
  return (
    <section className={`card plan ${current ? 'plan-current' : ''}`} aria-labelledby={`plan-${plan.key}`}>
      <div className="plan-header">
        <h2 id={`plan-${plan.key}`}>{plan.name}</h2>
        {current ? (
          <span className="badge badge-info">Your plan</span>
        ) : plan.trialDays > 0 && !contactSales ? (
          <span className="badge badge-good">{`${plan.trialDays}-day free trial`}</span>
        ) : null}
      </div>
      {plan.description ? <p className="muted small">{plan.description}</p> : null}
      {contactSales ? (
        <p className="plan-price">Custom</p>
      ) : (
        <p>
          <span className="plan-price">{formatMoney(plan.price)}</span>{' '}
          <span className="muted">
            {plan.interval === 'LIFETIME'
              ? 'once'
              : `per ${plan.perSeat ? 'seat per ' : ''}${intervalLabel(plan.interval)}`}
          </span>
          {plan.perSeat ? (
            <span className="small block">
              {`${seats} ${seats === 1 ? 'seat' : 'seats'}: `}
              <strong>{formatMoney(total)}</strong>
              {` per ${intervalLabel(plan.interval)}`}
            </span>
          ) : null}
          {saving ? (
            <span className="saving block">
              {`Save ${formatMoney(saving.amount)} a year (${saving.percent}%)`}
            </span>
          ) : null}
        </p>
      )}
      <FeatureList entitlements={plan.entitlements} />
      {children}
    </section>
  );
}
