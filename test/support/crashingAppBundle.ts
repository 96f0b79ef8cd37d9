import { readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { build, type Plugin } from 'esbuild';

/**
 * The crash tests start about a hundred second server processes (crashingApp.ts), and started through
 * tsx each spends most of its start resolving and compiling our modules one by one. Once per run they
 * are compiled together into one CommonJS file, with packages still required from node_modules, which
 * starts in about half the time and CPU. The file is written under node_modules so that those requires
 * resolve as they do from the sources.
 */
const BUNDLE_DIRECTORY = join(__dirname, '../../node_modules/.cache/billing-tests');

/** The environment variable that hands the bundle's path to the test workers. */
export const CRASHING_APP_BUNDLE = 'TEST_CRASHING_APP_BUNDLE';

/**
 * Code that finds its files next to itself (the schema's modules, the notice templates) must find them
 * where its source is, not where the bundle is: each module's `__dirname` and `__filename` become the
 * source's own.
 */
const sourcePaths: Plugin = {
  name: 'source-paths',
  setup(bundle) {
    bundle.onLoad({ filter: /\.ts$/ }, async ({ path }) => ({
      contents: (await readFile(path, 'utf8'))
        .replaceAll('__dirname', JSON.stringify(dirname(path)))
        .replaceAll('__filename', JSON.stringify(path)),
      loader: 'ts',
    }));
  },
};

export async function bundleCrashingApp(): Promise<string> {
  const outfile = join(BUNDLE_DIRECTORY, `crashingApp-${process.pid}.cjs`);
  await build({
    entryPoints: [join(__dirname, 'crashingApp.ts')],
    outfile,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    plugins: [sourcePaths],
    logLevel: 'error',
  });
  return outfile;
}

export async function removeCrashingAppBundle(): Promise<void> {
  const bundle = process.env[CRASHING_APP_BUNDLE];
  if (bundle) await rm(bundle, { force: true });
}
