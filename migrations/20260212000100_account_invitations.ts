import type { Knex } from 'knex';

/**
 * Invitations to join an account (docs/decisions/045-members-and-invitations.md). An invitation is bound
 * to one address; its token, like a password reset's, exists only in the email: it is created when the
 * notice is sent and only its SHA-256 is stored. At most one open invitation per account and address.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table account_invitations (
      id uuid primary key default gen_random_uuid(),
      account_id uuid not null references accounts on delete cascade,
      email text not null check (email ~ '^[^@\\s]+@[^@\\s]+$' and email = lower(email) and length(email) <= 254),
      role text not null check (role in ('owner', 'admin', 'member')),
      invited_by_user_id uuid references users on delete set null,
      token_hash text unique,
      expires_at timestamptz not null,
      accepted_at timestamptz,
      accepted_by_user_id uuid references users on delete set null,
      revoked_at timestamptz,
      created_at timestamptz not null default now(),
      check (accepted_at is null or revoked_at is null),
      check (accepted_by_user_id is null or accepted_at is not null)
    );
    create unique index account_invitations_one_open
      on account_invitations (account_id, email)
      where accepted_at is null and revoked_at is null;

    alter table notifications
      add column account_invitation_id uuid references account_invitations on delete set null,
      drop constraint notifications_one_link,
      add constraint notifications_one_link
        check (num_nonnulls(password_reset_token_id, sign_up_request_id, account_invitation_id) <= 1);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table notifications
      drop constraint notifications_one_link,
      drop column account_invitation_id,
      add constraint notifications_one_link check (num_nonnulls(password_reset_token_id, sign_up_request_id) <= 1);
    drop table account_invitations;
  `);
}
