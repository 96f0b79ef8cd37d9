import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Knex } from 'knex';
import { upsertAccount } from '../server/accounts/accounts';
import { Membership } from '../server/accounts/Membership';
import { systemActor } from '../server/auth/actor';
import { issueApiKey } from '../server/auth/apiKeys';
import { API_SCOPES } from '../server/auth/scopes';
import { generateToken, hashPassword } from '../server/auth/secrets';
import { User } from '../server/auth/User';
import { bindModels } from '../server/db/knex';

/**
 * Demo people for development, never production: a platform admin, and the owner of a demo customer account. Their
 * passwords are generated on first seeding (never fixed in code) and kept, with nothing else, in a
 * git-ignored file so that `npm start` can print them in development.
 */
// Read when used rather than at import, so that whoever loads this module can still point it elsewhere.
const demoCredentialsFile = () => process.env.DEMO_CREDENTIALS_FILE ?? '.data/demo-credentials.json';

export interface DemoCredentials {
  admin: { email: string; password: string };
  owner: { email: string; password: string; accountExternalId: string };
  /** A platform-wide partner key with every scope, for trying the partner API. */
  partnerApiKey?: string;
}

export async function seed(knex: Knex): Promise<void> {
  // The service never runs this seed in production (server/db/demoData.ts); this refuses `knex seed:run`.
  if (process.env.NODE_ENV === 'production')
    throw new Error('Demo users and the demo partner key are never created when NODE_ENV=production.');
  bindModels(knex);
  const existing = await readDemoCredentials();
  const credentials: DemoCredentials = existing ?? {
    admin: { email: 'admin@example.com', password: generateToken(12) },
    owner: { email: 'owner@example.com', password: generateToken(12), accountExternalId: 'demo-company' },
  };

  const admin = await ensureUser({
    email: credentials.admin.email,
    name: 'Platform Admin',
    password: credentials.admin.password,
    isPlatformAdmin: true,
  });
  const owner = await ensureUser({
    email: credentials.owner.email,
    name: 'Demo Owner',
    password: credentials.owner.password,
    isPlatformAdmin: false,
  });
  const { account } = await upsertAccount({
    actor: systemActor('demo seed'),
    externalId: credentials.owner.accountExternalId,
    name: 'Demo Company',
    billingEmail: credentials.owner.email,
  });
  await Membership.query()
    .insert({ accountId: account.id, userId: owner.id, role: 'owner' })
    .onConflict(['accountId', 'userId'])
    .ignore();

  if (!existing && admin.created && owner.created) {
    const { secret } = await issueApiKey({
      name: 'Demo partner key',
      scopes: [...API_SCOPES],
      accountId: null,
      createdByUserId: admin.id,
    });
    await writeDemoCredentials({ ...credentials, partnerApiKey: secret });
  }
}

async function ensureUser({
  email,
  name,
  password,
  isPlatformAdmin,
}: {
  email: string;
  name: string;
  password: string;
  isPlatformAdmin: boolean;
}) {
  const found = await User.query().whereRaw('lower(email) = lower(?)', [email]).first();
  if (found) return { user: found, created: false, id: found.id };
  const user = await User.query().insertAndFetch({
    email,
    name,
    isPlatformAdmin,
    passwordHash: await hashPassword(password),
  });
  return { user, created: true, id: user.id };
}

export async function readDemoCredentials(): Promise<DemoCredentials | null> {
  const file = demoCredentialsFile();
  if (!existsSync(file)) return null;
  return JSON.parse(await readFile(file, 'utf8')) as DemoCredentials;
}

async function writeDemoCredentials(credentials: DemoCredentials): Promise<void> {
  const file = demoCredentialsFile();
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
}
