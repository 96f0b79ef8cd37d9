import type { Knex } from 'knex';

/**
 * The admin console's platform-wide payments and invoices, newest first across every account (keyset
 * pages on created_at, id) and found by a Stripe id, and the monthly revenue reports: one row per calendar month, its figures per
 * currency, replaced when an admin generates the month again (server/metrics/revenueReports.ts).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create index payments_newest on payments (created_at desc, id desc);
    create index invoices_newest on invoices (created_at desc, id desc);
    create index invoices_number on invoices (number) where number is not null;
    -- A Stripe id finds its charge and the refunds that name the same PaymentIntent or invoice (the
    -- unique indexes on these columns leave refunds out).
    create index payments_intent_lookup on payments (stripe_payment_intent_id)
      where stripe_payment_intent_id is not null;
    create index payments_invoice_lookup on payments (stripe_invoice_id) where stripe_invoice_id is not null;
    create index payments_charge on payments (stripe_charge_id) where stripe_charge_id is not null;

    create table revenue_reports (
      id uuid primary key default gen_random_uuid(),
      month text not null unique check (month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
      figures jsonb not null check (jsonb_typeof(figures) = 'object'),
      generated_at timestamptz not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create trigger revenue_reports_updated_at before update on revenue_reports
      for each row execute function set_updated_at();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table revenue_reports;
    drop index payments_charge;
    drop index payments_invoice_lookup;
    drop index payments_intent_lookup;
    drop index invoices_number;
    drop index invoices_newest;
    drop index payments_newest;
  `);
}
