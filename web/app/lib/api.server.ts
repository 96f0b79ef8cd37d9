import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { AppLoadContext } from '@remix-run/node';
import { ViewerDocument, type ViewerQuery } from '~/graphql/generated';
import type { GraphQLErrorShape } from '~/loadContext';
import { chosenMembership } from './accountChoice.server';
import { safeRedirect } from './redirects.server';

export type Viewer = NonNullable<ViewerQuery['viewer']>;

/** What a failed action shows: one message for the form, and a message next to each field at fault. */
export interface ActionFailure {
  ok: false;
  code: string;
  formError: string;
  fieldErrors: Record<string, string>;
}

export type ActionOutcome<Data> = { ok: true; data: Data; setCookies: string[] } | ActionFailure;

/**
 * Runs a page's query as the signed-in caller. A failure the page cannot show becomes the matching
 * response: not signed in → the sign-in page (coming back here after), not allowed → 403, missing → 404.
 */
export async function query<Data, Variables extends Record<string, unknown>>(
  context: AppLoadContext,
  request: Request,
  document: TypedDocumentNode<Data, Variables>,
  variables: Variables,
): Promise<Data> {
  const { data, errors } = await context.graphql(document, variables);
  if (errors.length > 0 || !data) throw errorResponse(errors[0], request);
  return data;
}

/** Runs an action's mutation; errors come back as values so the form can show them next to its fields. */
export const mutate = outcomeOf;

/**
 * Runs a page's query whose failure the page explains in place rather than as an error page: a plan
 * change refused while self-serve billing is off, too few seats, Stripe unreachable for the next
 * invoice. Errors come back as values, as with mutate().
 */
export const queryOutcome = outcomeOf;

/** Not signed in (the session ended meanwhile) still goes to the sign-in page, and back afterwards. */
async function outcomeOf<Data, Variables extends Record<string, unknown>>(
  context: AppLoadContext,
  request: Request,
  document: TypedDocumentNode<Data, Variables>,
  variables: Variables,
): Promise<ActionOutcome<Data>> {
  const { data, errors, setCookies } = await context.graphql(document, variables);
  const [error] = errors;
  if (!error && data) return { ok: true, data, setCookies };
  const code = String(error?.extensions?.code ?? 'INTERNAL');
  if (code === 'UNAUTHENTICATED' && !isSignInPage(request)) throw signInRedirect(request);
  return {
    ok: false,
    code,
    formError: error?.message ?? 'Something went wrong.',
    fieldErrors: fieldErrorsOf(error),
  };
}

/** A failure as an action's answer, with the field errors of a form (for a form the API did not see). */
export function invalid(
  fieldErrors: Record<string, string>,
  formError = 'Please correct the fields marked below.',
): ActionFailure {
  return { ok: false, code: 'BAD_USER_INPUT', formError, fieldErrors };
}

export async function getViewer(context: AppLoadContext): Promise<Viewer | null> {
  const { data } = await context.graphql(ViewerDocument, {});
  return data?.viewer ?? null;
}

export async function requireViewer(context: AppLoadContext, request: Request): Promise<Viewer> {
  const viewer = await getViewer(context);
  if (!viewer) throw signInRedirect(request);
  return viewer;
}

/**
 * The signed-in customer and the account the billing pages are about: the one chosen in the header's
 * switcher, or their first (a login normally belongs to one). A platform admin with no account of
 * their own goes to the console; anyone else with none, to a page that says so.
 */
export async function requireAccount(context: AppLoadContext, request: Request) {
  const viewer = await requireViewer(context, request);
  const membership = await chosenMembership(viewer.memberships, request);
  if (!membership) throw safeRedirect(viewer.isPlatformAdmin ? '/admin' : '/no-account');
  return {
    viewer,
    accountId: membership.account.id,
    role: membership.role,
    canManageBilling: membership.role !== 'MEMBER',
  };
}

export async function requireAdmin(context: AppLoadContext, request: Request): Promise<Viewer> {
  const viewer = await requireViewer(context, request);
  if (!viewer.isPlatformAdmin)
    throw new Response('The admin console is for platform admins.', { status: 403, statusText: 'Forbidden' });
  return viewer;
}

export function signInRedirect(request: Request) {
  const url = new URL(request.url);
  return safeRedirect(`/signin?redirectTo=${encodeURIComponent(`${url.pathname}${url.search}`)}`);
}

function isSignInPage(request: Request): boolean {
  const { pathname } = new URL(request.url);
  return pathname === '/signin' || pathname === '/signup' || pathname === '/reset-password';
}

function errorResponse(error: GraphQLErrorShape | undefined, request: Request): Response {
  const code = String(error?.extensions?.code ?? 'INTERNAL');
  const message = error?.message ?? 'Something went wrong.';
  switch (code) {
    case 'UNAUTHENTICATED':
      return signInRedirect(request);
    case 'FORBIDDEN':
      return new Response(message, { status: 403, statusText: 'Forbidden' });
    case 'NOT_FOUND':
      return new Response(message, { status: 404, statusText: 'Not Found' });
    case 'BAD_USER_INPUT':
      return new Response(message, { status: 400, statusText: 'Bad Request' });
    case 'RATE_LIMITED':
      return new Response(message, {
        status: 429,
        statusText: 'Too Many Requests',
        headers: { 'Retry-After': String(error?.extensions?.retryAfterSeconds ?? 60) },
      });
    default:
      return new Response('Something went wrong on our side. Please try again in a moment.', {
        status: 500,
        statusText: 'Server Error',
      });
  }
}

function fieldErrorsOf(error: GraphQLErrorShape | undefined): Record<string, string> {
  const fieldErrors = error?.extensions?.fieldErrors;
  if (!fieldErrors || typeof fieldErrors !== 'object') return {};
  return Object.fromEntries(
    Object.entries(fieldErrors as Record<string, unknown>).map(([field, problem]) => [
      field,
      String(problem),
    ]),
  );
}

/** A form field as a trimmed string ('' when absent). */
export function field(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === 'string' ? value.trim() : '';
}
