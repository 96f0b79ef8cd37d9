// Lint rules, including the architecture's import boundaries (docs/ARCHITECTURE.md, "Layers"). A boundary
// violation fails `npm test`, so the layering is enforced rather than described.
import { readdirSync } from 'node:fs';
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import importX from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// The server's composition layer may wire the GraphQL API and the web app together; nothing else may.
const compositionLayer = new Set(['app.ts', 'main.ts', 'graphql', 'web']);
const domainAndInfrastructure = readdirSync(new URL('./server', import.meta.url))
  .filter((entry) => !compositionLayer.has(entry))
  .map((entry) => `./server/${entry}`);

const stripeOnlyInTheAdapter = {
  name: 'stripe',
  message:
    'Only server/stripe/ (the adapter) and server/webhooks/ speak Stripe; call the adapter and use its plain states.',
};

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      '.cache/',
      'build/',
      '.data/',
      'coverage/',
      'test-results/',
      'server/graphql/generated/',
      'web/app/graphql/generated.ts',
      'clients/typescript/src/generated.ts',
      'clients/typescript/dist/',
      'web/public/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX },
    languageOptions: { globals: { ...globals.node } },
    settings: { 'import-x/resolver': { node: { extensions: ['.ts', '.tsx', '.js', '.mjs'] } } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'off',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './server/stripe-emulator',
              from: './server',
              except: ['./stripe-emulator'],
              message: 'The Stripe emulator knows only Stripe: it imports nothing of the domain.',
            },
            {
              target: domainAndInfrastructure,
              from: './server/graphql',
              message: 'Domain services never import the GraphQL layer; the GraphQL layer calls them.',
            },
            {
              target: domainAndInfrastructure,
              from: './web',
              message:
                'Only server/web/ knows the web app (the type of its load context); it serves its build.',
            },
            {
              target: './web',
              from: './server',
              message: 'The web app calls the API (typed documents in web/app/graphql), never server code.',
            },
            {
              target: './clients',
              from: ['./server', './web', './test'],
              message: 'The partner client ships on its own: it speaks to the service only over HTTP.',
            },
          ],
        },
      ],
    },
  },
  {
    // Only the adapter, the webhook handlers and the emulator know Stripe's SDK and object shapes.
    files: ['server/**/*.ts'],
    ignores: ['server/stripe/**', 'server/webhooks/**', 'server/stripe-emulator/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { paths: [{ ...stripeOnlyInTheAdapter, allowTypeImports: false }] },
      ],
    },
  },
  {
    // Resolvers are a thin skin: they call services and loaders, never models, knex or SQL.
    files: ['server/graphql/resolvers/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'knex', message: 'Resolvers never run SQL: call a service.' },
            { name: 'objection', message: 'Resolvers never query models: call a service or a loader.' },
            stripeOnlyInTheAdapter,
          ],
          patterns: [
            {
              regex: '^\\.\\./\\.\\./db/',
              message: 'Resolvers never touch the database: call a service or a loader.',
            },
            {
              // Model files are PascalCase (server/<domain>/Payment.ts). Types are fine; queries are not.
              regex: '^\\.\\./\\.\\./[a-zA-Z-]+/[A-Z][A-Za-z]*$',
              caseSensitive: true,
              allowTypeImports: true,
              message: 'Resolvers never query models: call a service or a loader (import type is fine).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['web/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
  },
  {
    // Tests and benchmarks read GraphQL responses as untyped JSON; typing each shape would only repeat the schema.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  prettier,
);
