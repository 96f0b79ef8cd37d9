import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { Fragment, type ReactNode } from 'react';
import { Card, PageHeader } from '~/components/ui';
import { useFormat } from '~/lib/formatContext';

export const meta: MetaFunction = () => [{ title: 'Sent emails — Development' }];

/**
 * Development without SMTP: every email the service sent, newest first, with its links, so that a
 * sign-up, a password reset or an invitation can be followed offline. There is no such page in
 * production or when SMTP_URL sends the mail.
 */
export function loader({ request, context }: LoaderFunctionArgs) {
  const mailbox = context.devMailbox;
  if (!mailbox) throw new Response('There is nothing at this address.', { status: 404 });
  const messages = mailbox.list();
  const id = new URL(request.url).searchParams.get('id');
  const selected = (id ? mailbox.find(id) : undefined) ?? messages[0] ?? null;
  return {
    messages: messages.map(({ id, to, subject, sentAt }) => ({ id, to, subject, sentAt })),
    selected,
  };
}

export default function DevMail() {
  const { messages, selected } = useLoaderData<typeof loader>();
  const { formatDateTime } = useFormat();
  return (
    <>
      <PageHeader
        title="Sent emails"
        description="Development without SMTP_URL: what the service sent is kept here (the newest 200) instead of leaving this machine."
        actions={<Link to="/dev/mail">Refresh</Link>}
      />
      {messages.length === 0 ? (
        <Card>
          <p>
            Nothing has been sent yet. Messages appear here within a minute of the action that sends them.
          </p>
        </Card>
      ) : (
        <div className="mail-viewer">
          <Card title="Messages">
            <ul className="mail-list">
              {messages.map((message) => (
                <li key={message.id} aria-current={message.id === selected?.id ? 'true' : undefined}>
                  <Link to={`/dev/mail?id=${message.id}`}>
                    <strong>{message.subject}</strong>
                    <span className="muted small">
                      {' '}
                      to {message.to} · {formatDateTime(message.sentAt)}
                    </span>
                  </Link>
                </li>
              ))}
            </ul>
          </Card>
          {selected ? (
            <Card title={selected.subject}>
              <p className="muted small">
                To {selected.to} · {formatDateTime(selected.sentAt)}
                {selected.html ? (
                  <>
                    {' · '}
                    <a href={`/dev/mail/${selected.id}.html`} target="_blank" rel="noreferrer">
                      Open as HTML
                    </a>
                  </>
                ) : null}
              </p>
              <pre className="mail-text">{withLinks(selected.text)}</pre>
            </Card>
          ) : null}
        </div>
      )}
    </>
  );
}

/** The text with its addresses made clickable, so a link in a message can be followed from here. */
function withLinks(text: string): ReactNode {
  return text.split(/(https?:\/\/[^\s<>"]+)/g).map((part, index) =>
    index % 2 === 1 ? (
      <a key={index} href={part}>
        {part}
      </a>
    ) : (
      <Fragment key={index}>{part}</Fragment>
    ),
  );
}
