import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { SignOutDocument } from '~/graphql/generated';
import { mutate } from '~/lib/api.server';
import { safeRedirect } from '~/lib/redirects.server';

/** Signing out changes state, so it is a POST (the header's button); a GET just goes home. */
export async function loader(_args: LoaderFunctionArgs) {
  return safeRedirect('/');
}

export async function action({ request, context }: ActionFunctionArgs) {
  const outcome = await mutate(context, request, SignOutDocument, {});
  return safeRedirect('/', { setCookies: outcome.ok ? outcome.setCookies : [] });
}
