import { useFormat } from '~/lib/formatContext';
import type { ReactNode } from 'react';
import { statusLabel } from '~/lib/format';

const STATUS_TONES: Record<string, string> = {
  ACTIVE: 'good',
  PAID: 'good',
  PROCESSED: 'good',
  COMPLETED: 'good',
  SENT: 'good',
  TRIALING: 'info',
  PENDING: 'info',
  OPEN: 'info',
  RECEIVED: 'info',
  PAST_DUE: 'bad',
  FAILED: 'bad',
  UNCOLLECTIBLE: 'bad',
  INCOMPLETE: 'warn',
  PAUSED: 'warn',
  PUBLISHED: 'good',
};

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${STATUS_TONES[status] ?? 'neutral'}`}>{statusLabel(status)}</span>;
}

export function PageHeader({
  title,
  description,
  actions,
}: {
  title: string;
  description?: ReactNode;
  actions?: ReactNode;
}) {
  return (
    <header className="page-header">
      <div>
        <h1>{title}</h1>
        {description ? <p className="muted">{description}</p> : null}
      </div>
      {actions ? <div className="page-actions">{actions}</div> : null}
    </header>
  );
}

export function Card({
  title,
  children,
  footer,
  className,
}: {
  title?: ReactNode;
  children: ReactNode;
  footer?: ReactNode;
  className?: string;
}) {
  return (
    <section className={`card ${className ?? ''}`}>
      {title ? <h2 className="card-title">{title}</h2> : null}
      {children}
      {footer ? <div className="card-footer">{footer}</div> : null}
    </section>
  );
}

/**
 * Usage against an allowance. The bar turns amber from 80 % and red when the allowance is used up;
 * the numbers are always written out too, so colour is never the only signal.
 */
export function UsageBar({
  label,
  used,
  included,
  unit,
}: {
  label: string;
  used: number;
  included: number;
  unit: string;
}) {
  const { formatNumber } = useFormat();
  const percent = included > 0 ? Math.min(100, Math.round((used / included) * 100)) : 100;
  const tone = percent >= 100 ? 'bad' : percent >= 80 ? 'warn' : 'good';
  return (
    <div className="usage-bar">
      <div className="usage-bar-label">
        <span>{label}</span>
        <span className="muted">
          {formatNumber(used)} of {formatNumber(included)}{' '}
          {included === 1 || /^[A-Z]+$/.test(unit) ? unit : `${unit}s`}
        </span>
      </div>
      {/* A native progress bar: announced with its numbers, and drawn without inline styles. */}
      <progress
        className={`meter meter-${tone}`}
        aria-label={label}
        max={included > 0 ? included : 1}
        value={included > 0 ? Math.min(used, included) : 1}
      />
    </div>
  );
}
