import { isIntrospectionType, isObjectType } from 'graphql';
import { renderApiReference } from '../../server/graphql/apiReference';
import { buildApiSchema } from '../../server/graphql/apiSchema';

/**
 * The reference is printed from the schema; these check that it leaves nothing out and that every link
 * in it leads somewhere, so a partner reading it never meets an operation or a type it does not describe.
 */
const pages = renderApiReference();
const schema = buildApiSchema();

/** `file#anchor` for every `<a id>` on every page. */
const anchors = new Set(
  [...pages].flatMap(([file, text]) =>
    [...text.matchAll(/<a id="([^"]+)"><\/a>/g)].map(([, id]) => `${file}#${id}`),
  ),
);

function sectionOf(id: string): string {
  const found = [...pages].find(([file]) => anchors.has(`${file}#${id}`));
  if (!found) throw new Error(`no section #${id}`);
  const [, text] = found;
  const start = text.indexOf(`<a id="${id}"></a>`);
  const next = text.indexOf('<a id=', start + 1);
  return text.slice(start, next === -1 ? undefined : next);
}

describe('the API reference', () => {
  it.each(['Query', 'Mutation'])('describes every %s field, with its description and arguments', (root) => {
    const type = schema.getType(root);
    if (!isObjectType(type)) throw new Error(`${root} is not an object type`);
    const index = pages.get('README.md')!;
    const fields = Object.values(type.getFields());
    expect(fields.length).toBeGreaterThan(10);
    for (const field of fields) {
      const section = sectionOf(`${root.toLowerCase()}-${field.name.toLowerCase()}`);
      expect(section).toContain(`### \`${field.name}\``);
      if (field.description) expect(section).toContain(field.description);
      for (const argument of field.args) expect(section).toContain(`- \`${argument.name}\`: `);
      expect(index).toContain(`[\`${field.name}\`]`);
    }
  });

  it('describes every type of the schema, and every field of Account', () => {
    const types = Object.values(schema.getTypeMap()).filter(
      (type) =>
        !isIntrospectionType(type) && !['String', 'Boolean', 'Int', 'Float', 'ID'].includes(type.name),
    );
    for (const type of types.filter((candidate) => !['Query', 'Mutation'].includes(candidate.name))) {
      const section = sectionOf(`type-${type.name.toLowerCase()}`);
      expect(section).toContain(`### \`${type.name}\``);
      if (type.description) expect(section).toContain(type.description);
    }
    const account = schema.getType('Account');
    if (!isObjectType(account)) throw new Error('Account is not an object type');
    for (const field of Object.values(account.getFields()))
      expect(
        [...pages.values()].some(
          (text) => text.includes(`- \`${field.name}\`: `) || text.includes(`### \`Account.${field.name}\``),
        ),
      ).toBe(true);
  });

  it('says which API key scope an operation needs when its description names one', () => {
    expect(sectionOf('mutation-recordusage')).toContain('[`USAGE_WRITE`](apiKeys.md#type-apiscope)');
    expect(sectionOf('mutation-upsertaccount')).toContain('[`ACCOUNTS_WRITE`](apiKeys.md#type-apiscope)');
  });

  it('links only to sections that exist', () => {
    for (const [file, text] of pages)
      for (const [, target, anchor] of text.matchAll(/\]\(([A-Za-z]*\.md)?#([^)]+)\)/g))
        expect(`${file}: ${target ?? file}#${anchor}`).toBe(
          anchors.has(`${target ?? file}#${anchor}`)
            ? `${file}: ${target ?? file}#${anchor}`
            : 'a missing section',
        );
  });
});
