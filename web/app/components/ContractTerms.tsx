import type { ContractSummaryFragment } from '~/graphql/generated';
import { intervalLabel } from '~/lib/format';
import { useFormat } from '~/lib/formatContext';

/** The "Custom contract" badge shown next to a plan sold on a contract's own terms. */
export function ContractBadge() {
  return <span className="badge badge-info">Custom contract</span>;
}

/** A contract's price, how it is billed and how long it runs, in one line. */
export function ContractTerms({ contract }: { contract: ContractSummaryFragment }) {
  const { formatDate, formatMoney } = useFormat();
  const billing =
    contract.billing === 'INVOICE'
      ? `invoiced, due ${contract.daysUntilDue} ${contract.daysUntilDue === 1 ? 'day' : 'days'} after issue`
      : 'charged to your card';
  const term = contract.endsAt ? `ends ${formatDate(contract.endsAt)}` : 'renews automatically';
  const trial = contract.trialDays > 0 ? ` · ${contract.trialDays}-day trial` : '';
  return (
    <>
      {formatMoney(contract.price)} per {intervalLabel(contract.interval)} · {billing} · {term}
      {trial}
    </>
  );
}
