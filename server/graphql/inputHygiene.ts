import type { ApolloServerPlugin } from '@apollo/server';
import {
  GraphQLError,
  GraphQLID,
  Kind,
  TypeInfo,
  coerceInputValue,
  getArgumentValues,
  getNamedType,
  isInputObjectType,
  isInputType,
  isListType,
  isNonNullType,
  isScalarType,
  typeFromAST,
  valueFromAST,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type ExecutableDefinitionNode,
  type FieldNode,
  type GraphQLField,
  type GraphQLInputObjectType,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { ValidationError } from '../errors';
import type { GraphQLContext } from './context';

/**
 * Ids are our UUIDs, except where a schema coordinate here says otherwise: handing Postgres a malformed
 * uuid would fail the query, so a malformed id is refused as input instead of reaching it.
 */
const STRIPE_EVENT_ID = { pattern: /^evt_[A-Za-z0-9_]{1,250}$/, problem: 'is not a Stripe event id' };
const ID_FORMATS: Record<string, { pattern: RegExp; problem: string }> = {
  'Mutation.replayStripeEvent(id:)': STRIPE_EVENT_ID,
  'Query.stripeEvent(id:)': STRIPE_EVENT_ID,
};
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Every cursor this API hands out (keyset, ledger and audit log) is base64url or digits. */
const CURSOR = /^[A-Za-z0-9_-]{1,200}$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

type Problems = Record<string, string>;
type Path = ReadonlyArray<string | number>;

/**
 * One check of every value a request passes, before anything runs: the variables are coerced to their
 * declared types, then each field's arguments (literals and variables alike) are walked by the schema's
 * types. Refused, with the field each problem is in: a string holding a NUL character or a lone UTF-16
 * surrogate (Postgres and JSON cannot store them), an id that is not one, a cursor that is not ours.
 * Scalars refuse what they cannot parse (server/graphql/scalars.ts) in the same step.
 */
export function inputHygienePlugin({
  hideSuggestions,
}: {
  hideSuggestions: boolean;
}): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          if (!operation) return;
          const problems = findInputProblems({
            schema,
            document,
            operation,
            variables: request.variables ?? {},
            hideSuggestions,
          });
          if (Object.keys(problems).length === 0) return;
          const refusal = ValidationError.forFields(problems);
          throw new GraphQLError(refusal.message, {
            originalError: refusal,
            extensions: { http: { status: 400 } },
          });
        },
      };
    },
  };
}

export function findInputProblems({
  schema,
  document,
  operation,
  variables,
  hideSuggestions,
}: {
  schema: GraphQLSchema;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  variables: Record<string, unknown>;
  hideSuggestions: boolean;
}): Problems {
  const problems: Problems = {};
  const coerced = coerceVariables({ schema, operation, variables, hideSuggestions, problems });
  if (Object.keys(problems).length > 0) return problems;

  for (const { field, definition, parentName } of argumentSitesOf(schema, document, operation)) {
    const values = argumentValues(() => getArgumentValues(definition, field, coerced), problems);
    for (const argument of definition.args) {
      if (!(argument.name in values)) continue;
      inspect(
        `${parentName}.${definition.name}(${argument.name}:)`,
        [argument.name],
        argument.type,
        values[argument.name],
        problems,
      );
    }
  }
  return problems;
}

/** A field of an operation that takes arguments, with its definition in the schema. */
interface ArgumentSite {
  field: FieldNode;
  definition: GraphQLField<unknown, unknown>;
  parentName: string;
}

/**
 * Where an operation passes arguments depends on its document alone, and a known query's document is one
 * object from request to request (the server caches it parsed and validated): the walk by the schema's
 * types is made once per document and operation, and each request only reads its values at those sites.
 */
const argumentSites = new WeakMap<
  GraphQLSchema,
  WeakMap<DocumentNode, Map<OperationDefinitionNode, ArgumentSite[]>>
>();

function argumentSitesOf(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
): ArgumentSite[] {
  let byDocument = argumentSites.get(schema);
  if (!byDocument) argumentSites.set(schema, (byDocument = new WeakMap()));
  let byOperation = byDocument.get(document);
  if (!byOperation) byDocument.set(document, (byOperation = new Map()));
  let sites = byOperation.get(operation);
  if (!sites) byOperation.set(operation, (sites = findArgumentSites(schema, document, operation)));
  return sites;
}

function findArgumentSites(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
): ArgumentSite[] {
  const sites: ArgumentSite[] = [];
  const fragments = new Map<string, ExecutableDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  // Each definition is walked once, however often it is spread: the work is linear in the document.
  const pending: ExecutableDefinitionNode[] = [operation];
  const seen = new Set<string>();
  for (let definition = pending.pop(); definition; definition = pending.pop()) {
    const typeInfo = new TypeInfo(schema);
    visit(
      definition,
      visitWithTypeInfo(typeInfo, {
        FragmentSpread(spread) {
          const fragment = fragments.get(spread.name.value);
          if (fragment && !seen.has(spread.name.value)) {
            seen.add(spread.name.value);
            pending.push(fragment);
          }
        },
        Field(field) {
          const fieldDefinition = typeInfo.getFieldDef();
          const parent = typeInfo.getParentType();
          if (!fieldDefinition || !parent || fieldDefinition.args.length === 0) return;
          sites.push({ field, definition: fieldDefinition, parentName: parent.name });
        },
      }),
    );
  }
  return sites;
}

function coerceVariables({
  schema,
  operation,
  variables,
  hideSuggestions,
  problems,
}: {
  schema: GraphQLSchema;
  operation: OperationDefinitionNode;
  variables: Record<string, unknown>;
  hideSuggestions: boolean;
  problems: Problems;
}): Record<string, unknown> {
  const coerced: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    const type = typeFromAST(schema, definition.type);
    // Validation has refused unknown and output types already; execution reports what is left.
    if (!type || !isInputType(type)) continue;
    if (!Object.hasOwn(variables, name)) {
      if (definition.defaultValue) coerced[name] = valueFromAST(definition.defaultValue, type);
      else if (isNonNullType(type)) problems[fieldOf([name])] ??= 'is required';
      continue;
    }
    if (variables[name] === null) {
      if (isNonNullType(type)) problems[fieldOf([name])] ??= 'is required';
      else coerced[name] = null;
      continue;
    }
    coerced[name] = coerceInputValue(
      variables[name],
      type,
      (path, _invalid, error) => (problems[fieldOf([name, ...path])] ??= error.message),
      hideSuggestions,
    );
  }
  return coerced;
}

function argumentValues(read: () => Record<string, unknown>, problems: Problems): Record<string, unknown> {
  try {
    return read();
  } catch (error) {
    problems.input ??= error instanceof Error ? error.message : 'is not valid';
    return {};
  }
}

/**
 * Walks one argument's value by its type and records the first problem of each field. Runs for every
 * value of every request (a usage batch holds thousands), so the path is one stack, pushed and popped,
 * and copied only when a problem is reported.
 */
function inspect(
  coordinate: string,
  path: Array<string | number>,
  type: GraphQLInputType,
  value: unknown,
  problems: Problems,
): void {
  if (value === null || value === undefined) return;
  if (isNonNullType(type)) return inspect(coordinate, path, type.ofType, value, problems);
  if (isListType(type)) {
    if (!Array.isArray(value)) return;
    for (let index = 0; index < value.length; index += 1) {
      path.push(index);
      inspect(coordinate, path, type.ofType, value[index], problems);
      path.pop();
    }
    return;
  }
  if (isInputObjectType(type)) {
    for (const field of inputFieldsOf(type)) {
      path.push(field.name);
      inspect(field.coordinate, path, field.type, (value as Record<string, unknown>)[field.name], problems);
      path.pop();
    }
    return;
  }
  const problem =
    textProblem(value) ?? (isScalarType(type) ? formatProblem(coordinate, path, type, value) : null);
  if (problem) problems[fieldOf(path)] ??= problem;
}

const inputFields = new WeakMap<
  GraphQLInputObjectType,
  Array<{ name: string; type: GraphQLInputType; coordinate: string }>
>();

/** An input type's fields with their schema coordinates, listed once per type. */
function inputFieldsOf(type: GraphQLInputObjectType) {
  let fields = inputFields.get(type);
  if (!fields) {
    fields = Object.values(type.getFields()).map((field) => ({
      name: field.name,
      type: field.type,
      coordinate: `${type.name}.${field.name}`,
    }));
    inputFields.set(type, fields);
  }
  return fields;
}

/** Strings anywhere in a value, custom JSON scalars' names and values included. */
function textProblem(value: unknown): string | null {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) return 'must not contain the NUL character (U+0000)';
    if (LONE_SURROGATE.test(value)) return 'is not valid text: it holds a lone UTF-16 surrogate';
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  for (const [key, item] of Object.entries(value)) {
    const problem = textProblem(key) ?? textProblem(item);
    if (problem) return problem;
  }
  return null;
}

function formatProblem(
  coordinate: string,
  path: Path,
  type: GraphQLInputType,
  value: unknown,
): string | null {
  if (typeof value !== 'string') return null;
  if (getNamedType(type) === GraphQLID) {
    const format = ID_FORMATS[coordinate];
    if (format) return format.pattern.test(value) ? null : format.problem;
    return UUID.test(value) ? null : `is not ${idOf(path.findLast((step) => typeof step === 'string'))}`;
  }
  if (path.length === 1 && path[0] === 'after' && !CURSOR.test(value))
    return 'is not a cursor returned by this API';
  return null;
}

/** `planId` → "a plan id", `creditPackageId` → "a credit package id", `id` → "an id". */
function idOf(field: string | number | undefined): string {
  const words =
    typeof field === 'string' && field.endsWith('Id')
      ? field.slice(0, -2).replace(/[A-Z]/g, (letter) => ` ${letter.toLowerCase()}`)
      : '';
  const named = words ? `${words} id` : 'id';
  return `${/^[aeiou]/.test(named) ? 'an' : 'a'} ${named}`;
}

/**
 * The field a problem is reported against, in the convention services use for `fieldErrors`: the path
 * from the argument (`id`, `after`), or within the `input` argument (`name`, `events.3.accountId`).
 */
function fieldOf(path: Path): string {
  const [root, ...rest] = path;
  return (root === 'input' && rest.length > 0 ? rest : path).join('.');
}
