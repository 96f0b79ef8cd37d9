/**
 * `npm run bench -- <name>`: starts a fresh Postgres and the real app on 127.0.0.1, runs one benchmark,
 * prints its figures and, as the last line, its ratio against a baseline measured in the same run
 * (these machines are noisy: compare ratios, never absolute numbers across runs).
 */
import { consumeBenchmark } from './consume';
import { consumeSpreadBenchmark } from './consumeSpread';
import { dashboardBenchmark } from './dashboard';
import { entitlementsBenchmark } from './entitlements';
import { ingestBenchmark } from './ingest';
import { startBenchEnvironment, type BenchEnvironment } from './support/environment';

export interface BenchmarkResult {
  /** What the ratio compares, e.g. "GraphQL ingest / raw INSERT". */
  ratioLabel: string;
  ratio: number;
}

export type Benchmark = (
  environment: BenchEnvironment,
  report: (line: string) => void,
) => Promise<BenchmarkResult>;

const BENCHMARKS: Record<string, Benchmark> = {
  ingest: ingestBenchmark,
  consume: consumeBenchmark,
  'consume-spread': consumeSpreadBenchmark,
  dashboard: dashboardBenchmark,
  entitlements: entitlementsBenchmark,
};

async function main(): Promise<void> {
  const name = process.argv[2];
  const benchmark = name ? BENCHMARKS[name] : undefined;
  if (!benchmark) {
    process.stderr.write(`Usage: npm run bench -- <${Object.keys(BENCHMARKS).join('|')}>\n`);
    process.exit(2);
  }
  const environment = await startBenchEnvironment();
  let result: BenchmarkResult;
  try {
    result = await benchmark(environment, (line) => process.stdout.write(`${line}\n`));
  } finally {
    await environment.stop();
  }
  process.stdout.write(`ratio ${result.ratioLabel}: ${result.ratio.toFixed(2)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
