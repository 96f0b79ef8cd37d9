import { useEffect, useState, type KeyboardEvent } from 'react';

export const EXAMPLE_QUERY = `# Runs as the signed-in user, or as the API key below when one is given.
query Example {
  viewer {
    user {
      email
    }
    isPlatformAdmin
  }
  plans {
    key
    name
    price {
      amount
      currency
    }
  }
}
`;

/** What /graphql answered: its HTTP status and its body, or why there was no answer. */
export type ExplorerResult = { status: number; body: unknown } | { failure: string };

/**
 * A POST to our own /graphql from the browser. Without an API key the session cookie goes with it, so
 * it runs as the signed-in user; with one, the cookie is left out, so it runs as the key and nothing else.
 */
export async function postGraphQL({
  query,
  variables,
  apiKey,
}: {
  query: string;
  variables?: Record<string, unknown>;
  apiKey: string;
}): Promise<ExplorerResult> {
  const key = apiKey.trim();
  try {
    const response = await fetch('/graphql', {
      method: 'POST',
      credentials: key ? 'omit' : 'same-origin',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const text = await response.text();
    try {
      return { status: response.status, body: JSON.parse(text) as unknown };
    } catch {
      return { status: response.status, body: text };
    }
  } catch (error) {
    return { failure: `The request did not reach the server: ${String(error)}` };
  }
}

/** Variables as typed: empty is none; anything else must be a JSON object. */
function parseVariables(text: string): Record<string, unknown> | undefined | string {
  if (!text.trim()) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
    return 'Variables must be a JSON object, such as {"externalId": "org_42"}.';
  } catch (error) {
    return `Variables are not valid JSON: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** The editor: an operation, its variables and an optional API key; the answer beside it. */
export function GraphQLExplorer({
  apiKey,
  onApiKeyChange,
}: {
  apiKey: string;
  onApiKeyChange(apiKey: string): void;
}) {
  const [query, setQuery] = useState(EXAMPLE_QUERY);
  const [variables, setVariables] = useState('');
  const [result, setResult] = useState<ExplorerResult | null>(null);
  const [running, setRunning] = useState(false);
  // Until the page's scripts run, the button could only reload the page: say so instead.
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);

  async function run() {
    const parsed = parseVariables(variables);
    if (typeof parsed === 'string') {
      setResult({ failure: parsed });
      return;
    }
    setRunning(true);
    setResult(await postGraphQL({ query, variables: parsed, apiKey }));
    setRunning(false);
  }

  function runOnControlEnter(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void run();
    }
  }

  return (
    <div className="explorer">
      <form
        className="card explorer-editor"
        onSubmit={(event) => {
          event.preventDefault();
          void run();
        }}
      >
        <div className="field">
          <label htmlFor="explorer-query">Operation</label>
          <textarea
            id="explorer-query"
            className="code-input"
            rows={18}
            spellCheck={false}
            value={query}
            onChange={(event) => setQuery(event.target.value)}
            onKeyDown={runOnControlEnter}
          />
          <p className="field-hint">Ctrl+Enter (⌘+Enter) runs it.</p>
        </div>
        <div className="field">
          <label htmlFor="explorer-variables">Variables (JSON)</label>
          <textarea
            id="explorer-variables"
            className="code-input"
            rows={5}
            spellCheck={false}
            placeholder='{"externalId": "org_42"}'
            value={variables}
            onChange={(event) => setVariables(event.target.value)}
            onKeyDown={runOnControlEnter}
          />
        </div>
        <div className="field">
          <label htmlFor="explorer-api-key">API key</label>
          <input
            id="explorer-api-key"
            type="password"
            autoComplete="off"
            placeholder="bsk_..."
            value={apiKey}
            onChange={(event) => onApiKeyChange(event.target.value)}
          />
          <p className="field-hint">
            Sent as <code>Authorization: Bearer</code>. Leave it empty to run as the signed-in user.
          </p>
        </div>
        <button type="submit" className="button button-primary" disabled={!hydrated || running}>
          {!hydrated ? 'Run (needs JavaScript)' : running ? 'Running…' : 'Run'}
        </button>
      </form>
      <section className="card explorer-result" aria-labelledby="explorer-result-title">
        <h2 className="card-title" id="explorer-result-title">
          Result{result && 'status' in result ? ` (HTTP ${result.status})` : ''}
        </h2>
        <pre className="code-output" aria-live="polite" data-testid="explorer-result">
          {result === null
            ? 'Run an operation to see its answer here.'
            : 'failure' in result
              ? result.failure
              : typeof result.body === 'string'
                ? result.body
                : JSON.stringify(result.body, null, 2)}
        </pre>
      </section>
    </div>
  );
}
