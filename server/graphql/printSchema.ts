import { writeFileSync } from 'node:fs';
import { printApiSchema, printedSchemaPath } from './apiSchema';

// `npm run schema` (and `npm run codegen`, first): writes schema.graphql from the modules.
writeFileSync(printedSchemaPath, printApiSchema());
