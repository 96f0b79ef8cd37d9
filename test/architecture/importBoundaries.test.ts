import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * The layering in docs/ARCHITECTURE.md is enforced by eslint.config.mjs, which `npm test` runs first.
 * These cases prove the rules still bite: each places an import in a file and expects the linter to
 * refuse it where it does not belong, and to accept it where it does.
 */
const cases: Array<{ file: string; source: string; allowed: boolean }> = [
  // Resolvers call services and loaders, never models, knex or the database; types are fine.
  {
    file: 'server/graphql/resolvers/payments.ts',
    source: "import { Payment } from '../../payments/Payment';\nvoid Payment;\n",
    allowed: false,
  },
  {
    file: 'server/graphql/resolvers/payments.ts',
    source: "import knex from 'knex';\nvoid knex;\n",
    allowed: false,
  },
  {
    file: 'server/graphql/resolvers/payments.ts',
    source: "import { Model } from 'objection';\nvoid Model;\n",
    allowed: false,
  },
  {
    file: 'server/graphql/resolvers/payments.ts',
    source: "import { db } from '../../db/knex';\nvoid db;\n",
    allowed: false,
  },
  {
    file: 'server/graphql/resolvers/payments.ts',
    source: "import type { Payment } from '../../payments/Payment';\nexport type P = Payment;\n",
    allowed: true,
  },
  {
    file: 'server/graphql/resolvers/payments.ts',
    source: "import { listPayments } from '../../payments/paymentHistory';\nvoid listPayments;\n",
    allowed: true,
  },
  // Only the adapter and the webhook handlers speak Stripe.
  {
    file: 'server/payments/refunds.ts',
    source: "import Stripe from 'stripe';\nvoid Stripe;\n",
    allowed: false,
  },
  {
    file: 'server/graphql/resolvers/payments.ts',
    source: "import Stripe from 'stripe';\nvoid Stripe;\n",
    allowed: false,
  },
  { file: 'server/stripe/refunds.ts', source: "import Stripe from 'stripe';\nvoid Stripe;\n", allowed: true },
  {
    file: 'server/webhooks/receiver.ts',
    source: "import Stripe from 'stripe';\nvoid Stripe;\n",
    allowed: true,
  },
  // Domain services never import the GraphQL layer; the composition layer may.
  {
    file: 'server/credits/consumption.ts',
    source: "import { createLoaders } from '../graphql/loaders';\nvoid createLoaders;\n",
    allowed: false,
  },
  {
    file: 'server/app.ts',
    source: "import { createLoaders } from './graphql/loaders';\nvoid createLoaders;\n",
    allowed: true,
  },
  // The emulator knows only Stripe.
  {
    file: 'server/stripe-emulator/resources/refunds.ts',
    source: "import { Payment } from '../../payments/Payment';\nvoid Payment;\n",
    allowed: false,
  },
  // The web app calls the API, never server code.
  {
    file: 'web/app/routes/billing.tsx',
    source: "import { Payment } from '../../../server/payments/Payment';\nvoid Payment;\n",
    allowed: false,
  },
  // The partner client ships on its own and speaks to the service only over HTTP.
  {
    file: 'clients/typescript/src/client.ts',
    source: "import { ERROR_CODES } from '../../../server/errors';\nvoid ERROR_CODES;\n",
    allowed: false,
  },
  {
    file: 'clients/typescript/src/client.ts',
    source: "import type { TestApp } from '../../../test/support/testApp';\nexport type T = TestApp;\n",
    allowed: false,
  },
  {
    file: 'clients/typescript/src/client.ts',
    source: "import { Webhook } from 'standardwebhooks';\nvoid Webhook;\n",
    allowed: true,
  },
];

describe('import boundaries', () => {
  const results: string[][] = JSON.parse(
    execFileSync(process.execPath, [join(__dirname, 'lintSources.mjs')], {
      input: JSON.stringify(cases),
      encoding: 'utf8',
    }),
  );

  it.each(
    cases.map((entry, index) => [
      index,
      entry.file,
      entry.allowed ? 'allows' : 'refuses',
      entry.source.split('\n')[0],
    ]),
  )('case %i: %s %s %s', (index) => {
    const errors = results[index as number]!;
    if (cases[index as number]!.allowed) expect(errors).toEqual([]);
    else
      expect(errors).toEqual(expect.arrayContaining([expect.stringMatching(/restricted|Unexpected path/)]));
  });
});
