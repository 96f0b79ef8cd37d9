import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Webhook } from 'standardwebhooks';
import { isPublicAddress } from './addressSafety';

const EXCERPT_BYTES = 1024;

export interface SendLimits {
  allowPrivateAddresses: boolean;
  timeoutMs: number;
  maxResponseBytes: number;
}

export interface SendOutcome {
  ok: boolean;
  statusCode: number | null;
  latencyMs: number;
  /** The first kilobyte of the response body. */
  responseExcerpt: string | null;
  error: string | null;
}

/**
 * The Standard Webhooks signature header: one `v1,<signature>` per secret that signs, the current one
 * first. During a rotation's window both sign, so a receiver verifying with either accepts.
 */
export function signatureHeader({
  secrets,
  messageId,
  timestamp,
  body,
}: {
  secrets: string[];
  messageId: string;
  timestamp: Date;
  body: string;
}): string {
  return secrets.map((secret) => new Webhook(secret).sign(messageId, timestamp, body)).join(' ');
}

/**
 * POSTs one signed message. The connection goes only to an address checked as it is resolved (the
 * lookup below), so the address checked is the address connected to. Redirects are not followed (a
 * 3xx is a failure), the whole exchange has `timeoutMs`, and at most `maxResponseBytes` of the answer
 * are read before the connection is cut. Only a 2xx is success.
 */
export async function sendSignedMessage({
  url,
  messageId,
  body,
  secrets,
  limits,
}: {
  url: string;
  messageId: string;
  body: string;
  secrets: string[];
  limits: SendLimits;
}): Promise<SendOutcome> {
  // The timestamp receivers check against their own clock: the real time of sending.
  const timestamp = new Date();
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'billing-service-webhooks/1',
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': signatureHeader({ secrets, messageId, timestamp, body }),
  };
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  const target = new URL(url);
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const lookup = checkedLookup(limits.allowPrivateAddresses);
  // An address written in the URL is connected to without a lookup: check it here.
  const literal = target.hostname.replace(/^\[|\]$/g, '');
  if (!limits.allowPrivateAddresses && isIP(literal) !== 0 && !isPublicAddress(literal))
    return {
      ok: false,
      statusCode: null,
      latencyMs: 0,
      responseExcerpt: null,
      error: `${literal} is a private address`,
    };

  return new Promise<SendOutcome>((resolve) => {
    let settled = false;
    const finish = (outcome: Omit<SendOutcome, 'latencyMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...outcome, latencyMs: latency() });
    };
    const outgoing = request(
      target,
      { method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) }, lookup },
      (response: IncomingMessage) => {
        const status = response.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let received = 0;
        let cutOff = false;
        const done = () => {
          const read = Buffer.concat(chunks);
          const ok = status >= 200 && status < 300;
          finish({
            ok,
            statusCode: status,
            responseExcerpt: read.subarray(0, EXCERPT_BYTES).toString('utf8'),
            error: cutOff
              ? `response cut off after ${limits.maxResponseBytes} bytes`
              : ok
                ? null
                : status >= 300 && status < 400
                  ? `redirect (${status}) not followed`
                  : `HTTP ${status}`,
          });
        };
        response.on('data', (chunk: Buffer) => {
          if (cutOff) return;
          const room = limits.maxResponseBytes - received;
          chunks.push(chunk.subarray(0, Math.min(room, EXCERPT_BYTES * 2)));
          received += chunk.length;
          if (received >= limits.maxResponseBytes) {
            cutOff = true;
            done();
            response.destroy();
            outgoing.destroy();
          }
        });
        response.on('end', done);
        response.on('error', (error) => finish(failure(error, status)));
      },
    );
    const timer = setTimeout(() => {
      finish({
        ok: false,
        statusCode: null,
        responseExcerpt: null,
        error: `timed out after ${limits.timeoutMs} ms`,
      });
      outgoing.destroy();
    }, limits.timeoutMs);
    outgoing.on('error', (error) => finish(failure(error, null)));
    outgoing.end(body);
  });
}

function failure(error: Error, statusCode: number | null): Omit<SendOutcome, 'latencyMs'> {
  return { ok: false, statusCode, responseExcerpt: null, error: error.message };
}

/** dns.lookup, refusing a name any of whose addresses is not public (unless private ones are allowed). */
function checkedLookup(allowPrivateAddresses: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const refused = addresses.find((entry) => !allowPrivateAddresses && !isPublicAddress(entry.address));
      if (refused)
        return callback(
          Object.assign(new Error(`${hostname} resolves to ${refused.address}, a private address`), {
            code: 'EADDRNOTPUBLIC',
          }),
          '',
          0,
        );
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };
}
