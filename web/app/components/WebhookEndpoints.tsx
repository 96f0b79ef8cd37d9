import { Link } from '@remix-run/react';
import { useEffect, useState } from 'react';
import { CheckboxGroup, Field } from './forms';

export interface WebhookEventTypeOption {
  name: string;
  description: string;
}

/** The URL and the note, as the create and edit forms both ask for them. */
export function EndpointTextFields({
  url,
  description,
  fieldErrors,
}: {
  url?: string;
  description?: string;
  fieldErrors?: Record<string, string>;
}) {
  return (
    <>
      <Field
        label="URL"
        name="url"
        type="url"
        required
        maxLength={2048}
        defaultValue={url}
        error={fieldErrors?.url}
        hint="An absolute http(s) URL; events are POSTed to it."
      />
      <Field
        label="Description"
        name="description"
        maxLength={500}
        defaultValue={description}
        error={fieldErrors?.description}
        hint="A note to recognise it by, e.g. the partner’s name."
      />
    </>
  );
}

/** The catalogue of event types as checkboxes; none checked means every type, later ones included. */
export function EventTypesField({
  eventTypes,
  checked,
  error,
}: {
  eventTypes: readonly WebhookEventTypeOption[];
  checked: readonly string[];
  error?: string;
}) {
  return (
    <CheckboxGroup
      legend="Event types"
      name="eventTypes"
      options={eventTypes.map((type) => ({ value: type.name, label: type.name }))}
      checked={(name) => checked.includes(name)}
      hint="Leave all unchecked to receive every event type, including types added later."
      error={error}
    />
  );
}

/**
 * A signing secret just made (on creation or rotation). It is in this one answer and nowhere else, so
 * it sits in a read-only field that selects whole, with a copy button once scripts run.
 */
export function SigningSecret({ secret, children }: { secret: string; children: React.ReactNode }) {
  const [scripted, setScripted] = useState(false);
  const [copied, setCopied] = useState(false);
  useEffect(() => setScripted(true), []);
  return (
    <div className="banner banner-success" role="status">
      <p>{children}</p>
      <p>
        <strong>Copy the signing secret now: it is shown only this once.</strong> Reloading this page or
        leaving it loses it; if it is lost, rotate the secret.
      </p>
      <div className="field">
        <label htmlFor="signing-secret">Signing secret</label>
        <input
          id="signing-secret"
          className="secret"
          readOnly
          value={secret}
          onFocus={(event) => event.currentTarget.select()}
        />
      </div>
      {scripted ? (
        <button
          type="button"
          className="button button-small"
          onClick={() => void navigator.clipboard.writeText(secret).then(() => setCopied(true))}
        >
          {copied ? 'Copied' : 'Copy secret'}
        </button>
      ) : null}
    </div>
  );
}

/** Whose events an endpoint hears: every account's, or one account's (linked to its page). */
export function EndpointScope({ accountId }: { accountId: string | null }) {
  if (!accountId) return <span className="badge badge-info">Platform-wide</span>;
  return (
    <Link to={`/admin/accounts/${accountId}`}>
      One account<span className="visually-hidden"> ({accountId})</span>
    </Link>
  );
}

/** Enabled, or disabled with the reason (an administrator, or three days without a success). */
export function EndpointState({
  enabled,
  disabledReason,
}: {
  enabled: boolean;
  disabledReason: string | null;
}) {
  if (enabled) return <span className="badge badge-good">Enabled</span>;
  return (
    <>
      <span className="badge badge-warn">Disabled</span>
      {disabledReason ? <div className="muted small">{disabledReason}</div> : null}
    </>
  );
}
