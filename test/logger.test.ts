import { Writable } from 'node:stream';
import { createLogger } from '../server/logger';

/** What the logs say, in both formats: secrets never; a request as one readable line for people. */
function capture(format: 'json' | 'pretty') {
  let text = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  const logger = createLogger({ level: 'info', destination, format });
  return { logger, text: () => text };
}

it.each(['json', 'pretty'] as const)('redacts secrets at the top level and one level down (%s)', (format) => {
  const { logger, text } = capture(format);
  logger.info({ password: 'hunter2-top', input: { token: 'tok-nested' }, apiKey: 'bsk_top' }, 'signed in');
  expect(text()).toContain('signed in');
  expect(text()).not.toMatch(/hunter2-top|tok-nested|bsk_top/);
  expect(text()).toContain('[redacted]');
});

it('writes a request as method, path, operation, status and duration on one line when pretty', () => {
  const { logger, text } = capture('pretty');
  logger.info(
    {
      requestId: 'r-1',
      method: 'POST',
      path: '/graphql',
      operation: 'RecordUsage',
      status: 200,
      milliseconds: 12,
    },
    'request',
  );
  const lines = text().trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/INFO: POST \/graphql RecordUsage 200 12 ms \{"requestId":"r-1"\}$/);
});
