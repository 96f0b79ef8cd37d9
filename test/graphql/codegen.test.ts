import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { referenceDirectory, renderApiReference } from '../../server/graphql/apiReference';

/**
 * Generated files are committed; this fails when schema.graphql (or an operation document) changed and
 * `npm run codegen` was not run. `--check` regenerates in memory and compares without writing.
 */
describe('generated GraphQL code', () => {
  it('is up to date with schema.graphql', async () => {
    const root = join(__dirname, '../..');
    // Exits non-zero, naming the stale files, when the committed output differs from a fresh generation.
    const run = promisify(execFile)(
      join(root, 'node_modules/.bin/graphql-codegen'),
      ['--config', 'codegen.yml', '--check'],
      { cwd: root },
    );
    await expect(run).resolves.toEqual({ stdout: expect.any(String), stderr: expect.any(String) });
  }, 60_000);
});

describe('the API reference (docs/api/)', () => {
  it('is up to date with the schema modules (run `npm run codegen` after changing one)', () => {
    const pages = renderApiReference();
    const committed = readdirSync(referenceDirectory).filter((file) => file.endsWith('.md'));
    expect(committed.sort()).toEqual([...pages.keys()].sort());
    for (const [file, text] of pages) expect(readFileSync(join(referenceDirectory, file), 'utf8')).toBe(text);
  });
});
