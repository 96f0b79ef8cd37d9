import { Form, Link, useLocation } from '@remix-run/react';
import type { ConfirmationRequest } from '~/lib/confirmation';
import type { InputHTMLAttributes, ReactNode, SelectHTMLAttributes, TextareaHTMLAttributes } from 'react';

/**
 * A labelled input whose error, when the API or the action found one, sits right under it and is
 * announced with it (aria-describedby), so keyboard and screen-reader users meet it at the field.
 */
export function Field({
  label,
  name,
  error,
  hint,
  className,
  ...input
}: {
  label: string;
  name: string;
  error?: string;
  hint?: ReactNode;
  /** For the field as a whole (label, input and messages). */
  className?: string;
} & InputHTMLAttributes<HTMLInputElement>) {
  const id = input.id ?? `field-${name}`;
  return (
    <LabelledControl id={id} label={label} hint={hint} error={error} className={className}>
      <input {...controlAttributes({ id, name, hint, error })} {...input} />
    </LabelledControl>
  );
}

/** The frame every labelled control shares: the label, the control, then its hint and error. */
function LabelledControl({
  id,
  label,
  hint,
  error,
  className,
  children,
}: {
  id: string;
  label: string;
  hint?: ReactNode;
  error?: string;
  className?: string;
  children: ReactNode;
}) {
  return (
    <div className={className ? `field ${className}` : 'field'}>
      <label htmlFor={id}>{label}</label>
      {children}
      <FieldMessages id={id} hint={hint} error={error} />
    </div>
  );
}

/** What ties a control to its label and messages, and marks it invalid for assistive technology. */
function controlAttributes({
  id,
  name,
  hint,
  error,
}: {
  id: string;
  name: string;
  hint?: ReactNode;
  error?: string;
}) {
  return {
    id,
    name,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': describedBy(id, hint, error),
  };
}

/** The same as Field, for a choice among options. */
export function SelectField({
  label,
  name,
  options,
  error,
  hint,
  className,
  ...select
}: {
  label: string;
  name: string;
  options: ReadonlyArray<{ value: string; label: string }>;
  error?: string;
  hint?: ReactNode;
} & SelectHTMLAttributes<HTMLSelectElement>) {
  const id = select.id ?? `field-${name}`;
  return (
    <LabelledControl id={id} label={label} hint={hint} error={error} className={className}>
      <select {...controlAttributes({ id, name, hint, error })} {...select}>
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </LabelledControl>
  );
}

/** The same as Field, for text of several lines. */
export function TextAreaField({
  label,
  name,
  error,
  hint,
  className,
  ...textarea
}: {
  label: string;
  name: string;
  error?: string;
  hint?: ReactNode;
  className?: string;
} & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const id = textarea.id ?? `field-${name}`;
  return (
    <LabelledControl id={id} label={label} hint={hint} error={error} className={className}>
      <textarea {...controlAttributes({ id, name, hint, error })} {...textarea} />
    </LabelledControl>
  );
}

/** One checkbox with its label to the right, and its error under it as Field has. */
export function CheckboxField({
  label,
  name,
  error,
  hint,
  className,
  ...input
}: {
  label: string;
  name: string;
  error?: string;
  hint?: ReactNode;
  className?: string;
} & InputHTMLAttributes<HTMLInputElement>) {
  const id = input.id ?? `field-${name}`;
  return (
    <div className={className ? `field ${className}` : 'field'}>
      <label htmlFor={id} className="checkbox">
        <input
          type="checkbox"
          id={id}
          name={name}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy(id, hint, error)}
          {...input}
        />
        {label}
      </label>
      <FieldMessages id={id} hint={hint} error={error} />
    </div>
  );
}

/** Several checkboxes under one name, with a legend and, when the choice was refused, its error. */
export function CheckboxGroup({
  legend,
  name,
  options,
  checked,
  hint,
  error,
  className,
}: {
  legend: string;
  name: string;
  options: ReadonlyArray<{ value: string; label: string }>;
  checked: (value: string) => boolean;
  hint?: string;
  error?: string;
  className?: string;
}) {
  const errorId = `${name}-error`;
  return (
    <fieldset className={className} aria-describedby={error ? errorId : undefined}>
      <legend>{legend}</legend>
      <div className="checkbox-group">
        {options.map((option) => (
          <label key={option.value} className="checkbox">
            <input type="checkbox" name={name} value={option.value} defaultChecked={checked(option.value)} />{' '}
            {option.label}
          </label>
        ))}
      </div>
      {hint ? <p className="muted small">{hint}</p> : null}
      {error ? (
        <p className="field-error" id={errorId}>
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}

/**
 * One button that posts to the page's action, with the hidden fields that say what it does (its intent,
 * the record it acts on). A form of its own, so it works before JavaScript loads.
 */
export function PostButton({
  fields,
  children,
  className = 'button',
  disabled,
  inline = false,
}: {
  fields: Record<string, string>;
  children: ReactNode;
  className?: string;
  disabled?: boolean;
  inline?: boolean;
}) {
  return (
    <Form method="post" className={inline ? 'inline' : undefined}>
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <button type="submit" className={className} disabled={disabled}>
        {children}
      </button>
    </Form>
  );
}

/** The form's own message (not tied to one field); announced when it appears. */
export function FormError({ message }: { message?: string | null }) {
  if (!message) return null;
  return (
    <div className="banner banner-error" role="alert">
      {message}
    </div>
  );
}

export function Notice({
  children,
  tone = 'info',
}: {
  children: ReactNode;
  tone?: 'info' | 'success' | 'warning' | 'error';
}) {
  return (
    <div
      className={`banner banner-${tone}`}
      role={tone === 'error' || tone === 'warning' ? 'alert' : 'status'}
    >
      {children}
    </div>
  );
}

function describedBy(id: string, hint: ReactNode, error: string | undefined): string | undefined {
  return [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ') || undefined;
}

function FieldMessages({ id, hint, error }: { id: string; hint: ReactNode; error: string | undefined }) {
  return (
    <>
      {hint ? (
        <p className="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
      {error ? (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      ) : null}
    </>
  );
}

/**
 * The second step of an action that cannot be undone (web/app/lib/confirmation.ts): the question, what
 * will happen, the button that acts, and a way back that changes nothing.
 */
export function ConfirmStep({
  request,
  busy = false,
}: {
  request: ConfirmationRequest['confirm'];
  busy?: boolean;
}) {
  const location = useLocation();
  return (
    <div className="banner banner-warning confirm-step" role="alert">
      <p>
        <strong>{request.question}</strong> {request.consequence}
      </p>
      <Form method="post" className="form-actions">
        {Object.entries(request.fields).map(([name, value]) => (
          <input key={name} type="hidden" name={name} value={value} />
        ))}
        <input type="hidden" name="confirmed" value="yes" />
        <button type="submit" className="button button-danger" disabled={busy}>
          {request.action}
        </button>
        <Link to={`${location.pathname}${location.search}`} className="button" preventScrollReset>
          Keep it as it is
        </Link>
      </Form>
    </div>
  );
}
