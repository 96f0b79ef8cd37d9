import type { Knex } from 'knex';

/**
 * The catalog is data: plans (versioned, so existing subscribers keep the price they bought), what each
 * plan entitles, the meters usage is recorded against, and the credit packages on sale.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table plans (
      id uuid primary key default gen_random_uuid(),
      key text not null check (key ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
      version integer not null default 1 check (version > 0),
      name text not null check (length(name) between 1 and 100),
      description text,
      -- Plans of one tier (Pro monthly, Pro yearly) share it; the rank orders tiers for upgrade/downgrade.
      tier text not null check (tier ~ '^[a-z0-9_-]+$'),
      tier_rank integer not null check (tier_rank >= 0),
      billing_interval text not null check (billing_interval in ('month', 'year', 'lifetime')),
      price_amount bigint not null check (price_amount >= 0),
      currency char(3) not null default 'usd' check (currency ~ '^[a-z]{3}$'),
      trial_days integer not null default 0 check (trial_days between 0 and 365),
      trial_without_card boolean not null default false,
      per_seat boolean not null default false,
      purchase_mode text not null default 'self_serve' check (purchase_mode in ('self_serve', 'contact_sales')),
      active boolean not null default true,
      is_default boolean not null default false,
      display_order integer not null default 0,
      stripe_product_id text,
      stripe_price_id text unique,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (key, version),
      check (not (trial_without_card and trial_days = 0)),
      check (billing_interval <> 'lifetime' or (trial_days = 0 and not per_seat))
    );
    -- One sellable version per key, and one plan that every new account starts on.
    create unique index plans_one_active_version on plans (key) where active;
    create unique index plans_one_default on plans ((true)) where is_default and active;
    create trigger plans_updated_at before update on plans for each row execute function set_updated_at();

    create table meters (
      id uuid primary key default gen_random_uuid(),
      key text not null unique check (key ~ '^[a-z0-9][a-z0-9_.-]{0,62}$'),
      name text not null,
      aggregation text not null check (aggregation in ('sum', 'count', 'max', 'unique_count', 'latest')),
      -- For unique_count: the event property whose distinct values are counted.
      field_name text,
      unit text not null default 'unit',
      -- What one unit costs when it is paid for with credits.
      credit_cost_per_unit bigint check (credit_cost_per_unit >= 0),
      active boolean not null default true,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      check ((aggregation = 'unique_count') = (field_name is not null))
    );
    create trigger meters_updated_at before update on meters for each row execute function set_updated_at();

    -- kind boolean: the feature is on when the row exists.
    -- kind limit:   a countable resource (seats, projects, rooms...) capped at limit_value, or unlimited.
    -- kind metered: an allowance of a meter per billing period; beyond it, overage is billed per block of
    --               overage_block_size units at overage_unit_amount, or refused when no overage price is set.
    -- kind credits: credit_allowance milli-credits granted at the start of every period.
    create table plan_entitlements (
      id uuid primary key default gen_random_uuid(),
      plan_id uuid not null references plans on delete cascade,
      feature_key text not null check (feature_key ~ '^[a-z0-9][a-z0-9_.-]{0,62}$'),
      kind text not null check (kind in ('boolean', 'limit', 'metered', 'credits')),
      unlimited boolean not null default false,
      limit_value bigint check (limit_value >= 0),
      meter_id uuid references meters,
      included_quantity bigint check (included_quantity >= 0),
      overage_unit_amount bigint check (overage_unit_amount >= 0),
      overage_block_size bigint not null default 1 check (overage_block_size > 0),
      credit_allowance bigint check (credit_allowance > 0),
      soft_limit_percent integer not null default 80 check (soft_limit_percent between 1 and 100),
      created_at timestamptz not null default now(),
      unique (plan_id, feature_key),
      check (
        (kind = 'boolean' and not unlimited and limit_value is null and meter_id is null and credit_allowance is null)
        or (kind = 'limit' and (unlimited or limit_value is not null) and meter_id is null)
        or (kind = 'metered' and meter_id is not null and (unlimited or included_quantity is not null))
        or (kind = 'credits' and credit_allowance is not null and meter_id is null)
      )
    );
    create index plan_entitlements_meter on plan_entitlements (meter_id);

    create table credit_packages (
      id uuid primary key default gen_random_uuid(),
      key text not null unique check (key ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
      name text not null,
      credits bigint not null check (credits > 0),
      price_amount bigint not null check (price_amount > 0),
      currency char(3) not null default 'usd' check (currency ~ '^[a-z]{3}$'),
      available_for_purchase boolean not null default true,
      available_for_auto_top_up boolean not null default false,
      active boolean not null default true,
      display_order integer not null default 0,
      stripe_product_id text,
      stripe_price_id text unique,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create trigger credit_packages_updated_at before update on credit_packages for each row execute function set_updated_at();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop table credit_packages, plan_entitlements, meters, plans;`);
}
