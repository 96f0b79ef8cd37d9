import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

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
