import { useEffect, useState } from 'react';
import {
  getIntrospectionQuery,
  type IntrospectionField,
  type IntrospectionInputValue,
  type IntrospectionQuery,
  type IntrospectionType,
  type IntrospectionTypeRef,
} from 'graphql';
import { postGraphQL } from './GraphQLExplorer';

/**
 * The schema's documentation, read from the server by introspection (served outside production): the
 * root operations first, every type a click away, with descriptions, arguments and deprecations.
 */
export function SchemaDocs() {
  const [types, setTypes] = useState<Map<string, IntrospectionType> | string | null>(null);
  const [trail, setTrail] = useState<string[]>(['Query']);
  const [filter, setFilter] = useState('');

  useEffect(() => {
    void postGraphQL({ query: getIntrospectionQuery({ descriptions: true }), apiKey: '' }).then((result) => {
      const data = 'body' in result ? (result.body as { data?: IntrospectionQuery }).data : undefined;
      if (!data) {
        setTypes(
          'The schema could not be read: introspection is off (production) or the server did not answer.',
        );
        return;
      }
      setTypes(new Map(data.__schema.types.map((type) => [type.name, type])));
    });
  }, []);

  if (types === null) return <p className="muted">Reading the schema…</p>;
  if (typeof types === 'string') return <p className="muted">{types}</p>;

  const current = types.get(trail[trail.length - 1]!);
  const open = (name: string) => setTrail((previous) => [...previous, name]);
  const named = [...types.keys()]
    .filter((name) => !name.startsWith('__'))
    .filter((name) => name.toLowerCase().includes(filter.trim().toLowerCase()))
    .sort((a, b) => a.localeCompare(b, 'en'));

  return (
    <div className="schema-docs">
      <nav aria-label="Types" className="schema-docs-index">
        <label htmlFor="schema-docs-filter" className="label">
          Find a type
        </label>
        <input
          id="schema-docs-filter"
          type="search"
          value={filter}
          onChange={(event) => setFilter(event.target.value)}
        />
        <ul>
          {named.map((name) => (
            <li key={name}>
              <button type="button" className="link-button" onClick={() => open(name)}>
                {name}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <article className="schema-docs-type" aria-live="polite">
        {trail.length > 1 ? (
          <button
            type="button"
            className="button button-small button-quiet"
            onClick={() => setTrail((previous) => previous.slice(0, -1))}
          >
            ← {trail[trail.length - 2]}
          </button>
        ) : null}
        {current ? <TypeDocs type={current} open={open} /> : null}
      </article>
    </div>
  );
}

function TypeDocs({ type, open }: { type: IntrospectionType; open(name: string): void }) {
  return (
    <>
      <h3>
        {type.name} <span className="muted">({type.kind.toLowerCase().replace('_', ' ')})</span>
      </h3>
      {type.description ? <p className="pre-line">{type.description}</p> : null}
      {type.kind === 'OBJECT' || type.kind === 'INTERFACE' ? (
        <dl className="schema-docs-fields">
          {type.fields.map((field) => (
            <FieldDocs key={field.name} field={field} open={open} />
          ))}
        </dl>
      ) : null}
      {type.kind === 'INPUT_OBJECT' ? (
        <dl className="schema-docs-fields">
          {type.inputFields.map((field) => (
            <InputDocs key={field.name} input={field} open={open} />
          ))}
        </dl>
      ) : null}
      {type.kind === 'ENUM' ? (
        <dl className="schema-docs-fields">
          {type.enumValues.map((value) => (
            <div key={value.name}>
              <dt>
                <code>{value.name}</code>
              </dt>
              <dd>
                {value.description}
                {value.isDeprecated ? <Deprecated reason={value.deprecationReason} /> : null}
              </dd>
            </div>
          ))}
        </dl>
      ) : null}
      {type.kind === 'UNION' ? (
        <p>
          One of{' '}
          {type.possibleTypes.map((member) => (
            <TypeLink key={member.name} type={member} open={open} />
          ))}
        </p>
      ) : null}
    </>
  );
}

function FieldDocs({ field, open }: { field: IntrospectionField; open(name: string): void }) {
  return (
    <div>
      <dt>
        <code>{field.name}</code>: <TypeLink type={field.type} open={open} />
      </dt>
      <dd>
        {field.description ? <p className="pre-line">{field.description}</p> : null}
        {field.isDeprecated ? <Deprecated reason={field.deprecationReason} /> : null}
        {field.args.length > 0 ? (
          <dl className="schema-docs-arguments">
            {field.args.map((argument) => (
              <InputDocs key={argument.name} input={argument} open={open} />
            ))}
          </dl>
        ) : null}
      </dd>
    </div>
  );
}

function InputDocs({ input, open }: { input: IntrospectionInputValue; open(name: string): void }) {
  return (
    <div>
      <dt>
        <code>{input.name}</code>: <TypeLink type={input.type} open={open} />
        {input.defaultValue ? <span className="muted"> = {input.defaultValue}</span> : null}
      </dt>
      <dd>{input.description}</dd>
    </div>
  );
}

function Deprecated({ reason }: { reason: string | null | undefined }) {
  return <p className="field-error">Deprecated{reason ? `: ${reason}` : ''}</p>;
}

/** `[Plan!]!`, with Plan opening its own documentation. */
function TypeLink({ type, open }: { type: IntrospectionTypeRef; open(name: string): void }) {
  if (type.kind === 'NON_NULL') return <>{<TypeLink type={type.ofType} open={open} />}!</>;
  if (type.kind === 'LIST')
    return (
      <>
        [<TypeLink type={type.ofType} open={open} />]
      </>
    );
  return (
    <button type="button" className="link-button" onClick={() => open(type.name)}>
      {type.name}
    </button>
  );
}
