import express, { type NextFunction, type Request, type Response } from 'express';
import Stripe from 'stripe';
import type { Context } from '../context';
import { newId } from '../store/ids';
import { authenticate } from './auth';
import { ApiError } from './errors';
import { decodeForm, type FormObject } from './form';
import { fingerprint, IdempotencyCache } from './idempotency';
import { render } from './render';
import { requestContext } from './request-context';

/** One API call as the resources see it: path parameters and decoded form (body or query). */
export interface ApiRequest {
  params: Record<string, string>;
  body: FormObject;
}

/** Resources return stored objects or lists; the router copies and expands them. */
export type ApiHandler = (request: ApiRequest) => unknown;

export interface ApiRoutes {
  get(path: string, handler: ApiHandler): void;
  post(path: string, handler: ApiHandler): void;
  delete(path: string, handler: ApiHandler): void;
}

interface CallState {
  requestId: string;
  idempotencyKey: string | null;
  /** Set while an idempotent request runs, so its response can be saved. */
  saveAs?: { key: string; print: string; method: string; path: string };
}

const VERSION_FORMAT = /^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/;

function readBody(req: Request): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

/**
 * The `/v1` API: Stripe's headers (`request-id`, `Stripe-Version`, `Idempotent-Replayed`), API key
 * checks, form decoding, Idempotency-Key replay and Stripe's error envelope around every resource.
 */
export function createApiRouter(ctx: Context, register: (routes: ApiRoutes) => void): express.Router {
  const router = express.Router();
  const idempotency = new IdempotencyCache(ctx.store);

  function respond(res: Response, status: number, payload: unknown): void {
    const state = res.locals.call as CallState;
    const body = JSON.stringify(payload, null, 2);
    if (state.saveAs) {
      const replayable =
        !(payload && typeof payload === 'object' && 'error' in payload) || res.locals.replayable !== false;
      idempotency.finish(
        state.saveAs.key,
        replayable && status < 500
          ? {
              method: state.saveAs.method,
              path: state.saveAs.path,
              fingerprint: state.saveAs.print,
              status,
              body,
              requestId: state.requestId,
            }
          : null,
      );
      state.saveAs = undefined;
    }
    res.status(status).type('application/json').send(body);
  }

  router.use(async (req: Request, res: Response, next: NextFunction) => {
    const state: CallState = {
      requestId: newId('request'),
      idempotencyKey: req.get('Idempotency-Key') ?? null,
    };
    res.locals.call = state;
    res.setHeader('request-id', state.requestId);
    res.setHeader('Cache-Control', 'no-cache, no-store');
    const requestedVersion = req.get('Stripe-Version');
    res.setHeader('Stripe-Version', requestedVersion ?? Stripe.API_VERSION);
    if (state.idempotencyKey) res.setHeader('Idempotency-Key', state.idempotencyKey);
    try {
      if (requestedVersion && !VERSION_FORMAT.test(requestedVersion)) {
        throw ApiError.invalid(`Invalid Stripe API version: ${requestedVersion}`, {
          param: 'Stripe-Version',
          replayable: false,
        });
      }
      authenticate(req.get('Authorization'));
      const query = req.originalUrl.includes('?')
        ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1)
        : '';
      const raw = req.method === 'GET' || req.method === 'DELETE' ? '' : await readBody(req);
      const body = { ...decodeForm(query), ...decodeForm(raw) };
      res.locals.form = body;
      // Stripe keys POSTs only: an Idempotency-Key on a DELETE (or a GET) is ignored.
      if (state.idempotencyKey && req.method === 'POST') {
        const print = fingerprint(req.method, req.path, body);
        const saved = idempotency.begin(state.idempotencyKey, print);
        if (saved) {
          res.setHeader('Idempotent-Replayed', 'true');
          res.setHeader('Original-Request', saved.requestId);
          res.status(saved.status).type('application/json').send(saved.body);
          return;
        }
        state.saveAs = { key: state.idempotencyKey, print, method: req.method, path: req.path };
      }
      next();
    } catch (error) {
      next(error);
    }
  });

  const wrap =
    (handler: ApiHandler) =>
    (req: Request, res: Response, next: NextFunction): void => {
      const state = res.locals.call as CallState;
      const body = res.locals.form as FormObject;
      try {
        const result = requestContext.run(
          { requestId: state.requestId, idempotencyKey: state.idempotencyKey },
          () => handler({ params: req.params as Record<string, string>, body }),
        );
        const expand = Array.isArray(body.expand)
          ? (body.expand as string[])
          : typeof body.expand === 'string'
            ? [body.expand]
            : [];
        respond(res, 200, render(ctx, result, expand));
      } catch (error) {
        next(error);
      }
    };

  // Resources name their full path (`/v1/customers`); the router itself is mounted at `/v1`.
  const local = (path: string) => path.replace(/^\/v1/, '');
  register({
    get: (path, handler) => router.get(local(path), wrap(handler)),
    post: (path, handler) => router.post(local(path), wrap(handler)),
    delete: (path, handler) => router.delete(local(path), wrap(handler)),
  });

  router.use((req: Request, _res: Response, next: NextFunction) =>
    next(ApiError.notFound(req.method, req.originalUrl.split('?')[0])),
  );

  router.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof ApiError) {
      res.locals.replayable = error.replayable;
      respond(res, error.status, { error: error.body });
      return;
    }
    ctx.logger.error({ err: error }, 'stripe emulator: unexpected error');
    respond(res, 500, {
      error: { type: 'api_error', message: 'An unexpected error occurred in the Stripe emulator.' },
    });
  });
  return router;
}
