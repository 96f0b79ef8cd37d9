import { localUrlOf } from '../server/net';

it.each([
  ['127.0.0.1', 'http://127.0.0.1:3000'],
  ['0.0.0.0', 'http://127.0.0.1:3000'],
  ['::', 'http://[::1]:3000'],
  ['::1', 'http://[::1]:3000'],
  ['billing.internal', 'http://billing.internal:3000'],
])('reaches a server listening on %p at %p', (host, url) => {
  expect(localUrlOf(host, 3000)).toBe(url);
  expect(new URL(localUrlOf(host, 3000)).port).toBe('3000');
});
