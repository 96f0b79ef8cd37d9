import type { Knex } from 'knex';

/**
 * One-time links (a password reset, the confirmation of a sign-up) are no longer written into the
 * notifications outbox. A notice keeps a reference to what its link is for, and the token is created
 * when the message is sent: only its SHA-256 is stored, so no row anywhere holds a usable link.
 *
 * A sign-up now asks for its address to be confirmed before the login exists (so that the answer to a
 * sign-up is the same whether or not the address already has a login): `sign_up_requests` holds what
 * was asked until the emailed link is followed.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    -- Issued when the email is sent; until then there is no token at all.
    alter table password_reset_tokens alter column token_hash drop not null;

    create table sign_up_requests (
      id uuid primary key default gen_random_uuid(),
      email text not null check (email ~ '^[^@\\s]+@[^@\\s]+$' and length(email) <= 254),
      name text not null check (length(name) between 1 and 200),
      account_name text not null check (length(account_name) between 1 and 200),
      password_hash text not null,
      token_hash text unique,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      completed_at timestamptz
    );
    create index sign_up_requests_expiry on sign_up_requests (expires_at);

    alter table notifications
      add column password_reset_token_id uuid references password_reset_tokens on delete set null,
      add column sign_up_request_id uuid references sign_up_requests on delete set null,
      add constraint notifications_one_link check (num_nonnulls(password_reset_token_id, sign_up_request_id) <= 1);
    create index notifications_recipient on notifications (lower(recipient), kind, created_at);

    -- Links already written into the outbox are taken out; one still waiting to be sent could only be
    -- sent without its link now, so it is marked failed and the person asks again.
    update notifications
       set status = 'failed', last_error = 'its link was removed from the outbox; ask for a new one'
     where kind = 'auth.password_reset' and status = 'pending';
    update notifications
       set body_text = regexp_replace(body_text, 'token=[A-Za-z0-9_-]+', 'token=[removed]', 'g')
     where kind = 'auth.password_reset';
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop index notifications_recipient;
    alter table notifications
      drop constraint notifications_one_link,
      drop column sign_up_request_id,
      drop column password_reset_token_id;
    drop table sign_up_requests;
    delete from password_reset_tokens where token_hash is null;
    alter table password_reset_tokens alter column token_hash set not null;
  `);
}
