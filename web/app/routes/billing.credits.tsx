import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react';
import { AutoTopUpCard } from '~/components/AutoTopUpForm';
import { ContactSalesInstead } from '~/components/ContactSales';
import { CreditLedgerTable, LEDGER_ENTRY_TYPES } from '~/components/CreditLedger';
import { EmptyState } from '~/components/EmptyState';
import { FilterForm } from '~/components/Filters';
import { FormError, Notice, PostButton, SelectField } from '~/components/forms';
import { Card, PageHeader } from '~/components/ui';
import {
  CreditsDocument,
  StartCreditPackageCheckoutDocument,
  UpdateAutoTopUpDocument,
  type CreditLedgerEntryType,
} from '~/graphql/generated';
import { field, invalid, mutate, query, requireAccount } from '~/lib/api.server';
import { parseCredits } from '~/lib/format';
import { useFormat } from '~/lib/formatContext';
import { redirectToHostedPage, safeRedirect } from '~/lib/redirects.server';

export const meta: MetaFunction = () => [{ title: 'Credits — Billing' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { accountId, canManageBilling } = await requireAccount(context, request);
  const search = new URL(request.url).searchParams;
  const type = search.get('type');
  const entryTypes = type && type in LEDGER_ENTRY_TYPES ? [type as CreditLedgerEntryType] : null;
  const data = await query(context, request, CreditsDocument, {
    accountId,
    after: search.get('after'),
    entryTypes,
  });
  return {
    packages: data.creditPackages.filter((creditPackage) => creditPackage.availableForPurchase),
    autoTopUpPackages: data.creditPackages.filter((creditPackage) => creditPackage.availableForAutoTopUp),
    autoTopUp: data.account.autoTopUp,
    balance: data.account.creditBalance,
    ledger: data.account.creditLedger,
    type: entryTypes?.[0] ?? '',
    canBuy: canManageBilling,
    selfServe: data.account.selfServeBilling,
    salesContactUrl: context.salesContactUrl,
  };
}

/**
 * Buying a pack opens Stripe Checkout; the credits arrive with Stripe's webhook (the success page waits
 * for it). Automatic top-up settings are saved here. A failure says which form it belongs to.
 */
export async function action({ request, context }: ActionFunctionArgs) {
  const { accountId } = await requireAccount(context, request);
  const form = await request.formData();
  switch (field(form, 'intent')) {
    case 'buy': {
      const outcome = await mutate(context, request, StartCreditPackageCheckoutDocument, {
        input: { accountId, creditPackageId: field(form, 'creditPackageId') },
      });
      return outcome.ok
        ? redirectToHostedPage(outcome.data.startCreditPackageCheckout.url)
        : { ...outcome, form: 'buy' as const };
    }
    case 'auto-top-up': {
      const failure = await saveAutoTopUp({ request, context, accountId, form });
      return failure
        ? { ...failure, form: 'auto-top-up' as const }
        : safeRedirect('/billing/credits?done=auto-top-up');
    }
    default:
      throw new Response('Unknown action.', { status: 400 });
  }
}

async function saveAutoTopUp({
  request,
  context,
  accountId,
  form,
}: Pick<ActionFunctionArgs, 'request' | 'context'> & { accountId: string; form: FormData }) {
  const thresholdMilliCredits = parseCredits(field(form, 'threshold'));
  if (thresholdMilliCredits === null || thresholdMilliCredits < 0)
    return invalid({ threshold: 'Enter a number of credits, e.g. 100, with at most three decimals.' });
  const outcome = await mutate(context, request, UpdateAutoTopUpDocument, {
    input: {
      accountId,
      enabled: form.get('enabled') === 'on',
      thresholdMilliCredits,
      creditPackageId: field(form, 'creditPackageId'),
    },
  });
  if (outcome.ok) return null;
  const { thresholdMilliCredits: threshold, creditPackageId } = outcome.fieldErrors;
  return {
    ...outcome,
    fieldErrors: { ...(threshold && { threshold }), ...(creditPackageId && { creditPackageId }) },
  };
}

export default function Credits() {
  const { formatCredits, formatMoney } = useFormat();
  const {
    packages,
    autoTopUpPackages,
    autoTopUp,
    balance,
    ledger,
    type,
    canBuy,
    selfServe,
    salesContactUrl,
  } = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>();
  const buying = useNavigation().formData?.get('creditPackageId');
  const [search] = useSearchParams();
  return (
    <>
      <PageHeader
        title="Credits"
        description="Credits pay for actions beyond your plan’s allowances. Every change to your balance is in the ledger below."
      />
      {search.get('done') === 'auto-top-up' ? (
        <Notice tone="success">Your automatic top-up settings are saved.</Notice>
      ) : null}
      <div className="grid-2 aside-first-on-phone">
        <Card title="Ledger">
          <FilterForm submitLabel="Filter" inCard={false}>
            <SelectField
              label="Show"
              name="type"
              id="type"
              defaultValue={type}
              options={[
                { value: '', label: 'All entries' },
                ...Object.entries(LEDGER_ENTRY_TYPES).map(([value, label]) => ({ value, label })),
              ]}
            />
          </FilterForm>
          <CreditLedgerTable
            caption="Credit ledger, newest first"
            entries={ledger.edges.map(({ node }) => node)}
            empty={`No entries${type ? ' of this kind' : ' yet'}.`}
            pageInfo={ledger.pageInfo}
          />
        </Card>
        <div className="stack">
          <Card title="Balance">
            <p className="big-number" data-testid="credit-balance">
              {formatCredits(balance.milliCredits)}
            </p>
            <p className="muted small">credits</p>
            {balance.low ? <Notice tone="warning">Your balance is low.</Notice> : null}
          </Card>
          <Card title="Credit packs">
            <FormError message={failure?.form === 'buy' ? failure.formError : null} />
            {packages.length === 0 ? (
              <EmptyState>No credit packs are on sale right now.</EmptyState>
            ) : (
              <ul className="item-list">
                {packages.map((creditPackage) => (
                  <li key={creditPackage.id}>
                    <span>
                      <strong>{creditPackage.name}</strong>
                      <span className="muted small block">
                        {formatMoney({
                          ...creditPackage.price,
                          amount: Math.round(
                            (creditPackage.price.amount * 1000 * 100) / creditPackage.milliCredits,
                          ),
                        })}{' '}
                        per 100 credits
                      </span>
                    </span>
                    {canBuy && selfServe ? (
                      <PostButton
                        fields={{ intent: 'buy', creditPackageId: creditPackage.id }}
                        className="button button-primary button-small nowrap"
                        disabled={buying === creditPackage.id}
                      >
                        {`Buy for ${formatMoney(creditPackage.price)}`}
                        <span className="visually-hidden">{`: ${creditPackage.name}`}</span>
                      </PostButton>
                    ) : (
                      <span className="nowrap">{formatMoney(creditPackage.price)}</span>
                    )}
                  </li>
                ))}
              </ul>
            )}
            {canBuy && !selfServe ? (
              <div className="section">
                <ContactSalesInstead salesContactUrl={salesContactUrl} action="buy credits" />
              </div>
            ) : (
              <p className="muted small section">
                {canBuy
                  ? 'You pay on Stripe’s secure page; the credits are added as soon as the payment is confirmed.'
                  : 'Only the account’s owners and admins can buy credits.'}
              </p>
            )}
          </Card>
          <AutoTopUpCard
            settings={autoTopUp}
            packages={autoTopUpPackages}
            defaultThresholdMilliCredits={balance.lowBalanceThresholdMilliCredits}
            canManage={canBuy}
            salesOnly={
              selfServe ? null : (
                <ContactSalesInstead salesContactUrl={salesContactUrl} action="set up automatic top-ups" />
              )
            }
            failure={failure?.form === 'auto-top-up' ? failure : null}
          />
        </div>
      </div>
    </>
  );
}
