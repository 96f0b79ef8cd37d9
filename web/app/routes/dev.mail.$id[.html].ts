import type { LoaderFunctionArgs } from '@remix-run/node';

/**
 * One sent email's HTML, as its recipient's mail program would show it (development only). Served
 * with a policy of its own: inline styles and remote images, as emails have, and no scripts at all.
 */
export function loader({ params, context }: LoaderFunctionArgs) {
  const message = context.devMailbox?.find(params.id ?? '');
  if (!message?.html) throw new Response('There is nothing at this address.', { status: 404 });
  return new Response(message.html, {
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; img-src https: http: data:",
    },
  });
}
