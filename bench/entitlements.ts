import type { Benchmark } from './run';
import { createAccounts, dataOf, graphqlBody, partnerAuthorization } from './support/fixtures';
import { runLoad, runOpenLoad } from './support/load';
import { formatMilliseconds, formatNumber, percentile, perSecond } from './support/stats';

const CLIENTS = 32;
const REQUESTS = 20_000;
const ACCOUNTS = 200;
/** How long each open-loop run offers its fixed rate. */
const OPEN_LOOP_SECONDS = 10;

const CHECK =
  'query($externalId: String, $featureKey: String!) { entitlement(externalId: $externalId, featureKey: $featureKey) { allowed limit used remaining } }';
const TRIVIAL = 'query { __typename }';
// A mix of what partners ask: a boolean feature, a countable resource, and a metered allowance.
const FEATURES = ['api_access', 'projects', 'executions', 'seats'];

/**
 * Entitlement checks over HTTP GraphQL with 32 concurrent partner clients, against a trivial query on
 * the same path, same process and same API-key authentication in the same run.
 */
export const entitlementsBenchmark: Benchmark = async (environment, report) => {
  const headers = await partnerAuthorization(['entitlements:read']);
  const accounts = await createAccounts({ count: ACCOUNTS, prefix: 'entitled' });

  const warmUp = (body: (index: number) => string) =>
    runLoad({ url: environment.graphqlUrl, clients: CLIENTS, requests: 2_000, headers, body, check: dataOf });
  const trivialBody = () => graphqlBody(TRIVIAL, {});
  const checkBody = (index: number) =>
    graphqlBody(CHECK, {
      externalId: accounts[index % ACCOUNTS]!.externalId,
      featureKey: FEATURES[index % FEATURES.length],
    });
  await warmUp(trivialBody);
  await warmUp(checkBody);

  const bare = await runLoad({
    url: environment.bareUrl,
    clients: CLIENTS,
    requests: REQUESTS,
    headers,
    body: trivialBody,
    check: dataOf,
  });
  const baseline = await runLoad({
    url: environment.graphqlUrl,
    clients: CLIENTS,
    requests: REQUESTS,
    headers,
    body: trivialBody,
    check: dataOf,
  });
  const checks = await runLoad({
    url: environment.graphqlUrl,
    clients: CLIENTS,
    requests: REQUESTS,
    headers,
    body: checkBody,
    check: dataOf,
  });

  // What a user feels: half of each closed loop's maximum, offered at a steady rate, so the latencies
  // are the service's own and not the queue a saturated closed loop builds.
  const openLoop = (run: typeof baseline, body: (index: number) => string) =>
    runOpenLoad({
      url: environment.graphqlUrl,
      ratePerSecond: perSecond(run.completed, run.milliseconds) / 2,
      seconds: OPEN_LOOP_SECONDS,
      headers,
      body,
      check: dataOf,
    });
  const baselineOpen = await openLoop(baseline, trivialBody);
  const checksOpen = await openLoop(checks, checkBody);

  const describe = (label: string, run: typeof baseline) =>
    report(
      `${label}: ${formatNumber(perSecond(run.completed, run.milliseconds))}/s, p50 ${formatMilliseconds(percentile(run.latencies, 50))}, p99 ${formatMilliseconds(percentile(run.latencies, 99))}`,
    );
  describe(`bare Express JSON route, same process (${CLIENTS} clients)`, bare);
  describe(`baseline (trivial query, ${CLIENTS} clients)`, baseline);
  report(
    `trivial query / bare Express JSON route: ${(perSecond(baseline.completed, baseline.milliseconds) / perSecond(bare.completed, bare.milliseconds)).toFixed(2)} (target >= 0.7)`,
  );
  describe(`entitlement checks (${CLIENTS} clients, ${ACCOUNTS} accounts)`, checks);
  describe(`baseline, open loop at half its maximum for ${OPEN_LOOP_SECONDS} s`, baselineOpen);
  describe(`entitlement checks, open loop at half their maximum for ${OPEN_LOOP_SECONDS} s`, checksOpen);
  report(`target: ratio >= 0.9 closed loop; open loop p99 < 10 ms`);
  return {
    ratioLabel: 'entitlement checks/s / trivial queries/s',
    ratio:
      perSecond(checks.completed, checks.milliseconds) / perSecond(baseline.completed, baseline.milliseconds),
  };
};
