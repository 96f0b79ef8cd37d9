/**
 * Every address no other route serves. Answering it here, rather than leaving Remix to find no route,
 * runs the root loader first, so the "Page not found" page has the visitor's own header (signed in or
 * not) and language.
 */
export function loader(): never {
  throw new Response('There is nothing at this address.', { status: 404, statusText: 'Not Found' });
}

export function action(): never {
  throw new Response('There is nothing at this address.', { status: 404, statusText: 'Not Found' });
}

export default function NotFound() {
  return null;
}
