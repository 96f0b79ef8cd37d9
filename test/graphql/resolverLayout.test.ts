import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DefinitionNode } from 'graphql';
import { SCHEMA_MODULES, parseSchemaModule, type SchemaModule } from '../../server/graphql/apiSchema';
import { resolverModules } from '../../server/graphql/resolvers';

/**
 * "Where is X resolved?" has one answer: in the resolver module named like the schema module that
 * defines X. `Account.creditLedger` is defined in schema/credits.graphql, so it is resolved in
 * resolvers/credits.ts; a type's own fields and an enum's or scalar's values likewise.
 */
const ROOT_AND_SHARED = new Set(['Query', 'Mutation', 'Account']);

/** What each module defines: its types, and its fields of the types every module extends. */
function definitionsOf(module: SchemaModule): { types: Set<string>; fields: Set<string> } {
  const types = new Set<string>();
  const fields = new Set<string>();
  for (const definition of parseSchemaModule(module).definitions as DefinitionNode[]) {
    if (!('name' in definition) || !definition.name) continue;
    const typeName = definition.name.value;
    if (ROOT_AND_SHARED.has(typeName) && 'fields' in definition)
      for (const field of definition.fields ?? []) fields.add(`${typeName}.${field.name.value}`);
    else types.add(typeName);
  }
  return { types, fields };
}

describe('resolver layout', () => {
  it('has one resolver module per schema module, and no other', () => {
    const files = (directory: string, extension: string) =>
      readdirSync(join(__dirname, '../../server/graphql', directory))
        .filter((file) => file.endsWith(extension))
        .map((file) => file.slice(0, -extension.length))
        .sort();
    const modules = [...SCHEMA_MODULES].sort();
    expect(files('schema', '.graphql')).toEqual(modules);
    expect(files('resolvers', '.ts').filter((file) => file !== 'index')).toEqual(modules);
  });

  it.each(SCHEMA_MODULES)('resolvers/%s.ts resolves only what its schema module defines', (module) => {
    const { types, fields } = definitionsOf(module);
    const misplaced = Object.entries(resolverModules[module]).flatMap(([typeName, resolvers]) =>
      ROOT_AND_SHARED.has(typeName)
        ? Object.keys(resolvers as object)
            .map((field) => `${typeName}.${field}`)
            .filter((field) => !fields.has(field))
        : types.has(typeName)
          ? []
          : [typeName],
    );
    expect(misplaced).toEqual([]);
  });
});
