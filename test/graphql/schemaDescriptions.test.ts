import { isEnumType, isInputObjectType, isInterfaceType, isObjectType } from 'graphql';
import { buildApiSchema } from '../../server/graphql/apiSchema';

/**
 * The schema is the API's documentation as much as its definition: partners read it through their
 * tools. Every type, field, argument, input field and enum value says what it means; a new one without
 * a description fails here.
 */
describe('the schema', () => {
  it('describes every type, field, argument, input field and enum value', () => {
    const schema = buildApiSchema();
    const undescribed: string[] = [];
    const check = (path: string, description: string | null | undefined) => {
      if (!description?.trim()) undescribed.push(path);
    };
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__') || !type.astNode) continue;
      check(type.name, type.description);
      if (isObjectType(type) || isInterfaceType(type)) {
        for (const field of Object.values(type.getFields())) {
          check(`${type.name}.${field.name}`, field.description);
          for (const argument of field.args)
            check(`${type.name}.${field.name}(${argument.name})`, argument.description);
        }
      }
      if (isInputObjectType(type))
        for (const field of Object.values(type.getFields()))
          check(`${type.name}.${field.name}`, field.description);
      if (isEnumType(type))
        for (const value of type.getValues()) check(`${type.name}.${value.name}`, value.description);
    }
    expect(undescribed).toEqual([]);
  });
});
