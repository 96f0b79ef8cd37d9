import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { referenceDirectory, renderApiReference } from './apiReference';

// `npm run reference` (and `npm run codegen`): writes docs/api/ from the schema modules, and removes the
// page of a module that no longer exists.
const pages = renderApiReference();
mkdirSync(referenceDirectory, { recursive: true });
for (const file of readdirSync(referenceDirectory))
  if (file.endsWith('.md') && !pages.has(file)) rmSync(join(referenceDirectory, file));
for (const [file, text] of pages) writeFileSync(join(referenceDirectory, file), text);
