import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../../server/config';

/**
 * Docker cannot run where the tests run, so the container files are held to what can be checked here:
 * every command they run is one CI runs too (an npm script that exists, or Node on a file the production
 * build writes), and the compose demo's environment is one the service accepts.
 */
const root = join(__dirname, '../..');
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
const compose = parse(readFileSync(join(root, 'compose.yaml'), 'utf8')) as {
  services: Record<string, { command?: string[]; environment?: Record<string, string> }>;
};
const scripts = (
  JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts;

/** `build/app/<path>.js` is what `npm run build:server` compiles from `<path>.ts`. */
const compiledFrom = (file: string) => file.replace(/^build\/app\//, '').replace(/\.js$/, '.ts');

it('builds and runs the image with the commands CI runs', () => {
  const runs = [...dockerfile.matchAll(/^RUN (.+)$/gm)].map((match) => match[1]);
  expect(runs).toEqual([
    'npm ci',
    'npm run build',
    'npm ci --omit=dev',
    'mkdir -p .data && chown node:node .data',
  ]);
  expect(scripts.build).toContain('build:server');
  const command = JSON.parse(/^CMD (.+)$/m.exec(dockerfile)![1]!) as string[];
  expect(command).toEqual(['node', 'build/app/server/main.js']);
  expect(scripts['start:prod']).toBe(`exec ${command.join(' ')}`);
  expect(dockerfile).toMatch(/^USER node$/m);
  expect(dockerfile).toMatch(/HEALTHCHECK[\s\S]+\/readyz/);
});

it('starts every compose service on a file the production build writes', () => {
  for (const [name, service] of Object.entries(compose.services)) {
    if (!service.command) continue;
    const [program, file] = service.command;
    expect([name, program]).toEqual([name, 'node']);
    expect(existsSync(join(root, compiledFrom(file!)))).toBe(true);
  }
});

it('gives the copies of the service an environment the service accepts, sharing one emulator', () => {
  const { billing, 'stripe-emulator': emulator } = compose.services;
  const config = loadConfig(billing!.environment!);
  expect(config).toMatchObject({ host: '0.0.0.0', stripeEmulatorUrl: 'http://stripe-emulator:12111' });
  expect(config.stripeWebhookSecret).toBe(emulator!.environment!.STRIPE_WEBHOOK_SECRET);
  expect(emulator!.environment!.STRIPE_EMULATOR_WEBHOOK_URL).toBe('http://billing:3000/webhooks/stripe');
});
