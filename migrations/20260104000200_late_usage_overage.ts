import type { Knex } from 'knex';

/**
 * Usage is accepted up to 35 days after it happened, so a period's overage can grow after its renewal
 * invoice was built. What arrives late is billed on a later renewal invoice, so a period may now have
 * several charges per meter: one per invoice that carried some of it. `billed_with_period_start` names
 * that invoice by the period it closes (the period itself for the charge billed on time), and the
 * unique key makes each invoice's share billed once.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table usage_overage_charges add column billed_with_period_start timestamptz;
    update usage_overage_charges set billed_with_period_start = period_start;
    alter table usage_overage_charges alter column billed_with_period_start set not null;
    alter table usage_overage_charges drop constraint usage_overage_charges_pkey;
    alter table usage_overage_charges add column id bigint generated always as identity primary key;
    alter table usage_overage_charges add constraint usage_overage_charges_once_per_invoice
      unique (subscription_id, meter_id, period_start, billed_with_period_start);
  `);
}

export async function down(knex: Knex): Promise<void> {
  // Late charges have no place in the old shape: one charge per period.
  await knex.raw(`
    delete from usage_overage_charges where billed_with_period_start <> period_start;
    alter table usage_overage_charges drop constraint usage_overage_charges_once_per_invoice;
    alter table usage_overage_charges drop column id;
    alter table usage_overage_charges drop column billed_with_period_start;
    alter table usage_overage_charges add primary key (subscription_id, meter_id, period_start);
  `);
}
