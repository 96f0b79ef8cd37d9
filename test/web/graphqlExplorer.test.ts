import { createMember, createPartnerKey, sessionCookieFor } from '../factories';
import { html } from './support/html';
import { useWebApp, type WebApp } from './support/webApp';

/**
 * The GraphQL explorer at /graphiql: served from our own bundle in development (nothing from another
 * origin, so it works offline), and not at all in production.
 */
async function postGraphQL(web: WebApp, query: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${web.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, body: (await response.json()) as { data?: Record<string, unknown> } };
}

describe('in development', () => {
  const web = useWebApp({ source: 'vite' });

  it('serves the explorer with everything it loads from our own origin', async () => {
    const response = await web.get('/graphiql');
    expect(response.status).toBe(200);
    const page = await html(response);
    expect(page).toContain('GraphQL explorer');
    expect(page).toMatch(/<label for="explorer-query">Operation<\/label>/);
    expect(page).toMatch(/<label for="explorer-api-key">API key<\/label>/);
    const loaded = [...page.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"/g)].map(
      ([, url]) => url!,
    );
    expect(loaded.length).toBeGreaterThan(0);
    for (const url of loaded) expect(url).toMatch(/^(\/(?!\/)|data:)/);
  });

  it('says whom operations run as: the signed-in user, or a visitor', async () => {
    const { user } = await createMember({ role: 'owner' });
    expect(await html(await web.get('/graphiql', { cookie: await sessionCookieFor(user) }))).toContain(
      `Operations run as ${user.email}, signed in`,
    );
    expect(await html(await web.get('/graphiql'))).toContain('Operations run as a visitor');
  });

  it('sends a browser that opens /graphql to the explorer, and lets API calls through', async () => {
    const page = await fetch(`${web.url}/graphql`, { redirect: 'manual', headers: { accept: 'text/html' } });
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe('/graphiql');
    // A GET operation is an API call, whatever the client accepts.
    const get = await fetch(`${web.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, {
      redirect: 'manual',
      headers: { accept: 'text/html, application/json', 'apollo-require-preflight': 'true' },
    });
    expect(get.status).toBe(200);

    const call = await postGraphQL(web, '{ __schema { queryType { name } } }');
    expect(call.status).toBe(200);
    expect(call.body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });

  it('answers what the explorer sends as the session’s user or as the pasted key', async () => {
    const { user, account } = await createMember({ role: 'owner' });
    const asUser = await postGraphQL(web, '{ viewer { user { email } } }', {
      cookie: await sessionCookieFor(user),
    });
    expect(asUser.body.data).toEqual({ viewer: { user: { email: user.email } } });

    const { secret } = await createPartnerKey({ scopes: ['accounts:read'], accountId: account.id });
    const asKey = await postGraphQL(
      web,
      `{ viewer { user { email } } account(id: "${account.id}") { name } }`,
      {
        authorization: `Bearer ${secret}`,
      },
    );
    expect(asKey.body.data).toEqual({ viewer: null, account: { name: account.name } });
  });
});

describe('in production', () => {
  const web = useWebApp({ source: 'vite', production: true });

  it('has no explorer', async () => {
    const response = await web.get('/graphiql');
    expect(response.status).toBe(404);
    expect(await html(response)).toContain('Page not found');
  });

  it('has no mail viewer', async () => {
    expect((await web.get('/dev/mail')).status).toBe(404);
    expect((await web.get('/dev/mail/00000000-0000-0000-0000-000000000000.html')).status).toBe(404);
  });

  it('shows no landing page at /graphql, from a CDN or otherwise', async () => {
    const response = await fetch(`${web.url}/graphql`, {
      redirect: 'manual',
      headers: { accept: 'text/html' },
    });
    expect(response.status).toBe(400);
    expect(await response.text()).not.toMatch(/<html|apollographql\.com|cdn/i);
  });
});
