// `npm run build:server`: compiles server/, migrations/ and seeds/ into build/app/ (same layout, CommonJS)
// so that `npm run start:prod` runs them with plain Node: no tsx, no TypeScript, no dev dependencies.
// The GraphQL schema modules and the notice templates are read at run time, so they are copied beside the
// compiled code.
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
rmSync('build/app', { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
  stdio: 'inherit',
});
cpSync('server/graphql/schema', 'build/app/server/graphql/schema', { recursive: true });
cpSync('server/notifications/templates', 'build/app/server/notifications/templates', { recursive: true });
