import type { Knex } from 'knex';

/**
 * Payments (the seeds' "transactions") are our record of money moving, one row per attempt at a charge
 * or refund. Invoices and their lines mirror Stripe's, kept current by webhooks.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table invoices (
      id uuid primary key default gen_random_uuid(),
      account_id uuid not null references accounts on delete cascade,
      subscription_id uuid references subscriptions on delete set null,
      stripe_invoice_id text not null unique,
      number text,
      status text not null check (status in ('draft', 'open', 'paid', 'void', 'uncollectible')),
      billing_reason text,
      currency char(3) not null check (currency ~ '^[a-z]{3}$'),
      subtotal bigint not null,
      tax bigint not null default 0,
      total bigint not null,
      amount_paid bigint not null default 0 check (amount_paid >= 0),
      amount_due bigint not null default 0 check (amount_due >= 0),
      amount_remaining bigint not null default 0 check (amount_remaining >= 0),
      period_start timestamptz,
      period_end timestamptz,
      due_date timestamptz,
      paid_at timestamptz,
      hosted_invoice_url text,
      invoice_pdf_url text,
      issued_at timestamptz not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index invoices_account on invoices (account_id, issued_at desc, id desc);
    create trigger invoices_updated_at before update on invoices for each row execute function set_updated_at();

    create table invoice_lines (
      id uuid primary key default gen_random_uuid(),
      invoice_id uuid not null references invoices on delete cascade,
      account_id uuid not null references accounts on delete cascade,
      stripe_line_id text not null,
      kind text not null check (kind in ('subscription', 'proration', 'usage_overage', 'credit_package', 'other')),
      description text,
      amount bigint not null,
      currency char(3) not null,
      quantity bigint,
      period_start timestamptz,
      period_end timestamptz,
      plan_id uuid references plans,
      unique (invoice_id, stripe_line_id)
    );
    create index invoice_lines_account on invoice_lines (account_id);

    create table payments (
      id uuid primary key default gen_random_uuid(),
      account_id uuid not null references accounts on delete cascade,
      type text not null check (type in (
        'subscription_payment', 'subscription_upgrade', 'subscription_downgrade', 'subscription_cancel',
        'credit_top_up', 'refund')),
      status text not null check (status in ('pending', 'completed', 'failed', 'refunded', 'cancelled')),
      amount bigint not null check (amount >= 0),
      amount_refunded bigint not null default 0 check (amount_refunded >= 0 and amount_refunded <= amount),
      currency char(3) not null check (currency ~ '^[a-z]{3}$'),
      description text,
      plan_id uuid references plans,
      subscription_id uuid references subscriptions on delete set null,
      invoice_id uuid references invoices on delete set null,
      credit_package_id uuid references credit_packages,
      credits bigint check (credits > 0),
      refunded_payment_id uuid references payments,
      automatic boolean not null default false,
      stripe_checkout_session_id text unique,
      stripe_payment_intent_id text,
      stripe_invoice_id text,
      stripe_charge_id text,
      stripe_refund_id text unique,
      failure_reason text,
      metadata jsonb not null default '{}',
      completed_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      check ((type = 'refund') = (refunded_payment_id is not null)),
      check ((type = 'credit_top_up') = (credit_package_id is not null and credits is not null))
    );
    -- A charge's payment intent identifies one payment; a refund row points at the same intent.
    create unique index payments_payment_intent on payments (stripe_payment_intent_id)
      where stripe_payment_intent_id is not null and type <> 'refund';
    create unique index payments_stripe_invoice on payments (stripe_invoice_id)
      where stripe_invoice_id is not null and type <> 'refund';
    create index payments_account on payments (account_id, created_at desc, id desc);
    create index payments_status on payments (status, created_at);
    create trigger payments_updated_at before update on payments for each row execute function set_updated_at();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop table payments, invoice_lines, invoices;`);
}
