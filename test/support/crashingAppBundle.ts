import { readFile, readdir, rm } from 'node:fs/promises';
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
  await removeBundlesOfEndedRuns();
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

/**
 * A run killed before its teardown leaves its bundle behind. Each is named by its run's process id, so
 * the ones whose process is gone are removed; a run still going (in another checkout's watch mode, say)
 * keeps its own.
 */
async function removeBundlesOfEndedRuns(): Promise<void> {
  const names = await readdir(BUNDLE_DIRECTORY).catch(() => [] as string[]);
  for (const name of names) {
    const pid = Number(/^crashingApp-(\d+)\.cjs$/.exec(name)?.[1]);
    if (pid && pid !== process.pid && !isRunning(pid))
      await rm(join(BUNDLE_DIRECTORY, name), { force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
