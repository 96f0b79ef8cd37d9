import type { Knex } from 'knex';

/**
 * The billing customer is an account (an organisation). People are users; a membership gives a user a
 * role in an account. Partners name accounts by their own `external_id`.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table accounts (
      id uuid primary key default gen_random_uuid(),
      name text not null check (length(name) between 1 and 200),
      billing_email text check (billing_email ~ '^[^@\\s]+@[^@\\s]+$'),
      external_id text unique check (length(external_id) between 1 and 200),
      currency char(3) not null default 'usd' check (currency ~ '^[a-z]{3}$'),
      stripe_customer_id text unique,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      deleted_at timestamptz
    );
    create index accounts_name_search on accounts (lower(name) text_pattern_ops);
    create trigger accounts_updated_at before update on accounts for each row execute function set_updated_at();

    create table users (
      id uuid primary key default gen_random_uuid(),
      email text not null check (email ~ '^[^@\\s]+@[^@\\s]+$'),
      name text check (length(name) <= 200),
      password_hash text,
      is_platform_admin boolean not null default false,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      deleted_at timestamptz
    );
    create unique index users_email_unique on users (lower(email));
    create trigger users_updated_at before update on users for each row execute function set_updated_at();

    create table memberships (
      id uuid primary key default gen_random_uuid(),
      account_id uuid not null references accounts on delete cascade,
      user_id uuid not null references users on delete cascade,
      role text not null check (role in ('owner', 'admin', 'member')),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (account_id, user_id)
    );
    create index memberships_user on memberships (user_id);
    create trigger memberships_updated_at before update on memberships for each row execute function set_updated_at();

    -- The cookie carries a random token; only its SHA-256 is stored.
    create table sessions (
      id uuid primary key default gen_random_uuid(),
      user_id uuid not null references users on delete cascade,
      token_hash text not null unique,
      created_at timestamptz not null default now(),
      last_seen_at timestamptz not null default now(),
      expires_at timestamptz not null,
      revoked_at timestamptz
    );
    create index sessions_user on sessions (user_id);

    create table password_reset_tokens (
      id uuid primary key default gen_random_uuid(),
      user_id uuid not null references users on delete cascade,
      token_hash text not null unique,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      used_at timestamptz
    );
    create index password_reset_tokens_user on password_reset_tokens (user_id);

    -- Partner API keys. The secret is shown once; we keep its SHA-256 (the secret is 256 random bits, so a
    -- slow hash adds nothing) and a public prefix to find the row and to show in lists.
    create table api_keys (
      id uuid primary key default gen_random_uuid(),
      name text not null check (length(name) between 1 and 100),
      prefix text not null unique,
      secret_hash text not null,
      scopes text[] not null check (cardinality(scopes) > 0),
      account_id uuid references accounts on delete cascade,
      created_by_user_id uuid references users on delete set null,
      created_at timestamptz not null default now(),
      last_used_at timestamptz,
      expires_at timestamptz,
      revoked_at timestamptz
    );
    create index api_keys_account on api_keys (account_id);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop table api_keys, password_reset_tokens, sessions, memberships, users, accounts;`);
}
