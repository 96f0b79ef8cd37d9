import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDemoCatalog } from '../../factories';
import { useTestDatabase } from '../../support/database';
import { deliverOutbox, linkIn } from '../../support/mailbox';
import { TEST_SESSION_SECRET } from '../../support/testApp';

const root = join(__dirname, '../../..');

export interface WebApp {
  /** The app's origin, e.g. http://127.0.0.1:41234. */
  url: string;
  emulatorUrl: string;
  knex: ReturnType<typeof useTestDatabase>['knex'];
  /** A request from one of our own pages (a browser sends this Origin with every form). */
  post(
    path: string,
    fields: Record<string, string>,
    options?: { cookie?: string; origin?: string | null },
  ): Promise<Response>;
  get(path: string, options?: { cookie?: string }): Promise<Response>;
}

/**
 * The real product, web app included, for one test file: its own database (with the demo catalog, unless asked for an empty one),
 * the Stripe emulator, and the server in a child process (test/web/support/serveWebApp.ts). `vite`
 * compiles pages on request, as `npm start` does; `build` serves `npm run build`, as production does.
 */
export function useWebApp({
  source,
  catalog = 'demo',
  production = false,
  devMailbox = false,
}: {
  source: 'vite' | 'build';
  /** Send the outbox every quarter second into the development mail viewer (/dev/mail), as `npm start` does without SMTP. */
  devMailbox?: boolean;
  /** `empty`: a fresh install's catalog, with no plan at all. */
  catalog?: 'demo' | 'empty';
  /** Serve as production does: no introspection, no development tools. */
  production?: boolean;
}): WebApp {
  const db = useTestDatabase();
  const app = {} as WebApp;
  let child: ChildProcess | undefined;
  let cacheDirectory: string | undefined;
  let output = '';

  beforeAll(async () => {
    if (catalog === 'demo') await createDemoCatalog(db.knex);
    cacheDirectory = await mkdtemp(join(tmpdir(), 'billing-vite-'));
    child = spawn(join(root, 'node_modules/.bin/tsx'), ['test/web/support/serveWebApp.ts'], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_ENV: 'test',
        DATABASE_URL: db.connectionString,
        SESSION_SECRET: TEST_SESSION_SECRET,
        WEB_SOURCE: source,
        WEB_PRODUCTION: production ? 'true' : 'false',
        WEB_DEV_MAILBOX: devMailbox ? 'true' : 'false',
        VITE_CACHE_DIR: cacheDirectory,
        TEST_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const addresses = await new Promise<{ url: string; emulatorUrl: string }>((resolve, reject) => {
      let buffered = '';
      child!.stdout!.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const line = buffered.split('\n').find((candidate) => candidate.startsWith('{"url"'));
        if (line) resolve(JSON.parse(line) as { url: string; emulatorUrl: string });
      });
      child!.once('exit', (code) => reject(new Error(`the web test server exited (${code}):\n${output}`)));
    });
    const origin = addresses.url;
    Object.assign(app, {
      ...addresses,
      get: (path: string, { cookie }: { cookie?: string } = {}) =>
        fetch(`${origin}${path}`, { redirect: 'manual', headers: cookie ? { cookie } : {} }),
      post: (
        path: string,
        fields: Record<string, string>,
        { cookie, origin: presented = origin }: { cookie?: string; origin?: string | null } = {},
      ) =>
        fetch(`${origin}${path}`, {
          method: 'POST',
          redirect: 'manual',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            ...(presented ? { origin: presented } : {}),
            ...(cookie ? { cookie } : {}),
          },
          body: new URLSearchParams(fields).toString(),
        }),
    });
    Object.defineProperty(app, 'knex', { get: () => db.knex });
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    if (cacheDirectory) await rm(cacheDirectory, { recursive: true, force: true });
  });

  return app;
}

/** The session cookie a response set, ready to send back as a Cookie header. */
export function sessionCookieFrom(response: Response): string {
  const cookie = response.headers.getSetCookie().find((value) => value.startsWith('billing_session='));
  if (!cookie) throw new Error(`no session cookie was set (status ${response.status})`);
  return cookie.split(';')[0];
}

/**
 * Signs up through the pages as a visitor does: the form, the emailed link (sent by the test, as the
 * notifications job would), and the button on the page it opens. Returns that last answer, which
 * signs in and redirects.
 */
export async function signUpThroughEmail(web: WebApp, fields: Record<string, string>): Promise<Response> {
  const asked = await web.post('/signup', fields);
  if (asked.status !== 200) throw new Error(`the sign-up form answered ${asked.status}`);
  const email = (await deliverOutbox()).find((sent) => sent.to === fields.email);
  const link = linkIn(email, '/signup/confirm');
  const page = await web.get(link);
  if (page.status !== 200) throw new Error(`the confirmation page answered ${page.status}`);
  return web.post(link, { token: new URL(link, web.url).searchParams.get('token')! });
}
