import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useRouteLoaderData } from '@remix-run/react';
import { useState } from 'react';
import { Notice } from '~/components/forms';
import { Card, PageHeader } from '~/components/ui';
import { GraphQLExplorer } from '~/components/GraphQLExplorer';
import { SchemaDocs } from '~/components/SchemaDocs';
import type { loader as rootLoader } from '~/root';

export const meta: MetaFunction = () => [{ title: 'GraphQL explorer' }];

/**
 * A GraphQL explorer for development, from our own bundle (nothing from a CDN, so it works offline). In
 * production there is no such page: the API's introspection is off there too.
 */
export function loader({ context }: LoaderFunctionArgs) {
  if (context.production) throw new Response('There is nothing at this address.', { status: 404 });
  return null;
}

export default function GraphiQL() {
  const viewer = useRouteLoaderData<typeof rootLoader>('root')?.viewer ?? null;
  const [apiKey, setApiKey] = useState('');
  const runsAs = apiKey.trim()
    ? 'Operations run as the API key given below.'
    : viewer
      ? `Operations run as ${viewer.email}, signed in, unless an API key is given below.`
      : 'Operations run as a visitor: sign in, or give an API key below.';
  return (
    <div className="explorer-page">
      <PageHeader
        title="GraphQL explorer"
        description={
          <>
            {runsAs}{' '}
            {viewer ? null : (
              <>
                <Link to="/signin?redirectTo=/graphiql">Sign in</Link>.{' '}
              </>
            )}
            In development only; the API reference is in <code>docs/api/</code>.
          </>
        }
      />
      <noscript>
        <Notice tone="warning">The explorer needs JavaScript.</Notice>
      </noscript>
      <GraphQLExplorer apiKey={apiKey} onApiKeyChange={setApiKey} />
      <Card title="Documentation" className="explorer-docs">
        <SchemaDocs />
      </Card>
    </div>
  );
}
