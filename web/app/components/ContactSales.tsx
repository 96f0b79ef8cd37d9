/**
 * What a customer sees instead of a self-serve billing button while self_serve_billing is off for their
 * account: one line saying why, and the sales contact. The API would refuse the button's action anyway.
 */
export function ContactSalesInstead({
  salesContactUrl,
  action,
  block = false,
}: {
  salesContactUrl: string;
  /** What sales can do for them, e.g. "change your plan". */
  action: string;
  block?: boolean;
}) {
  return (
    <div className="stack contact-sales">
      <p className="muted small">
        Self-serve billing is turned off for this account; contact sales to {action}.
      </p>
      <a className={`button button-primary${block ? ' button-block' : ''}`} href={salesContactUrl}>
        Contact sales
      </a>
    </div>
  );
}
