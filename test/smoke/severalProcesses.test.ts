import { execFileSync } from 'node:child_process';
import { request } from 'node:http';
import {
  buyProAsDemoOwner,
  startServiceProcess,
  useServiceDatabase,
  type ServiceProcess,
} from '../support/serviceProcess';

/**
 * `npm start` with WEB_CONCURRENCY=2, as an operator uses every core: one primary process and two
 * workers on one port, sharing the database, the Stripe emulator the primary runs and the session
 * secret. Requests go out on new connections, which the cluster deals to the workers in turn, so a
 * signed-in session and a purchase's webhooks must work whichever worker answers. A worker that dies is
 * replaced; SIGTERM stops them all.
 */
const database = useServiceDatabase('processes');
let service: ServiceProcess;

beforeAll(async () => {
  // No SESSION_SECRET: the primary makes the development one and gives it to both workers.
  service = await startServiceProcess({
    databaseUrl: database.url,
    directory: database.directory,
    env: { WEB_CONCURRENCY: '2', SESSION_SECRET: '' },
  });
}, 120_000);

/** The pids of the workers that said they serve, in order (a replacement adds one). */
function workersUp(): number[] {
  return service
    .output()
    .split('\n')
    .filter((line) => line.includes('"billing service is up"'))
    .map((line) => (JSON.parse(line) as { pid: number }).pid);
}

/** The primary's worker processes; not the helpers it may start (tsx's esbuild, when it compiles). */
function childrenOfPrimary(): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(service.pid)], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.includes('server/main.ts'))
      .map((line) => Number(line.trim().split(/\s+/)[0]))
      .filter((pid) => pid > 0)
      .sort((a, b) => a - b);
  } catch {
    return []; // ps exits 1 when there are none
  }
}

async function eventually<T>(
  read: () => T | Promise<T>,
  done: (value: T) => boolean,
  what: string,
): Promise<T> {
  for (let attempt = 0; attempt < 600; attempt += 1) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`still waiting for ${what}`);
}

/** One GraphQL request on a connection of its own, so the cluster picks a worker for it. */
function graphql(query: string, variables: object = {}, cookie?: string) {
  const body = JSON.stringify({ query, variables });
  return new Promise<{ body: { data?: any; errors?: unknown[] }; cookie?: string }>((resolve, reject) => {
    const outgoing = request(
      `${service.url}/graphql`,
      {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () =>
          resolve({ body: JSON.parse(text), cookie: response.headers['set-cookie']?.[0]?.split(';')[0] }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.setTimeout(10_000, () => outgoing.destroy(new Error(`no answer to ${query} within 10 s`)));
    outgoing.end(body);
  });
}

it('runs two workers under one primary, sharing one Stripe emulator, with one welcome', async () => {
  const workers = await eventually(workersUp, (pids) => new Set(pids).size === 2, 'two workers');
  expect(childrenOfPrimary()).toEqual([...workers].sort((a, b) => a - b));
  const output = service.output();
  expect(output.match(/using the built-in Stripe emulator/g)).toHaveLength(1);
  expect(output.match(/using the shared Stripe emulator at STRIPE_EMULATOR_URL/g)).toHaveLength(2);
  expect(output.match(/Billing service: /g)).toHaveLength(1);
  expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
}, 90_000);

it('keeps a signed-in session on every worker, and applies a purchase whichever worker Stripe reaches', async () => {
  const { cookie, accountId, email } = await buyProAsDemoOwner(graphql, service.output());
  // Ten connections, dealt to the workers in turn: the cookie one signed is good on the other.
  for (let attempt = 0; attempt < 10; attempt += 1) {
    const { body } = await graphql('{ viewer { user { email } } }', {}, cookie);
    expect(body.data.viewer.user?.email).toBe(email);
  }
  const subscribed = await eventually(
    () =>
      graphql(
        'query($id: ID) { account(id: $id) { subscription { plan { key } status } } }',
        { id: accountId },
        cookie,
      ),
    ({ body }) => body.data?.account.subscription?.plan.key === 'pro_monthly',
    'the subscription from the webhooks',
  );
  // The demo Pro plan starts with a trial.
  expect(subscribed.body.data.account.subscription.status).toBe('TRIALING');
}, 90_000);

it('replaces a worker that dies, and the other answers meanwhile', async () => {
  const [victim, survivor] = [...new Set(workersUp())];
  process.kill(victim!, 'SIGKILL');
  // A connection dealt to the worker in the instant it died is lost, as behind any balancer; once the
  // primary has seen the death, every connection goes to the survivor until the replacement listens.
  await eventually(service.output, (output) => output.includes('a worker died: replacing it'), 'the death');
  for (let attempt = 0; attempt < 4; attempt += 1)
    expect((await graphql('{ plans { key } }')).body.errors).toBeUndefined();
  const replacement = await eventually(
    () => workersUp().filter((pid) => pid !== victim && pid !== survivor),
    (pids) => pids.length === 1,
    'a replacement worker',
  );
  expect(childrenOfPrimary()).toEqual([survivor!, replacement[0]!].sort((a, b) => a - b));
  expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
}, 90_000);

it('drains every worker and exits 0 on SIGTERM, a worker still starting included', async () => {
  // The service is stopped just as a dead worker's replacement starts: the replacement is told to stop
  // before it could listen for that, and must still stop rather than keep its primary waiting.
  const [victim, survivor] = childrenOfPrimary();
  process.kill(victim!, 'SIGKILL');
  const [starting] = await eventually(
    () => childrenOfPrimary().filter((pid) => pid !== victim && pid !== survivor),
    (pids) => pids.length === 1,
    'a replacement process',
  );
  service.signal('SIGTERM');
  expect(await service.exited).toBe(0);
  for (const pid of [survivor!, starting!]) expect(() => process.kill(pid, 0)).toThrow();
  // The primary, the survivor and the replacement; the two workers killed never said so.
  expect(service.output().match(/"msg":"stopped"/g)).toHaveLength(3);
}, 90_000);
