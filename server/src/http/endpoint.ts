/**
 * `endpoint(schemas, handler)`: the last link of every route's chain
 * (rate limit → auth → endpoint). It validates params, query and body with zod
 * (unknown fields are refused by the schemas, which are `z.strictObject`), calls
 * the handler with typed input, and writes its result as JSON. Errors go to the
 * one error handler, so a bad request is always a 4xx naming the field.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import { parseOrThrow } from '../platform/validation.js';

type Parsed<Schema> = Schema extends z.ZodType ? z.output<Schema> : undefined;

export interface EndpointSchemas<Body, Query, Params> {
  body?: Body;
  query?: Query;
  params?: Params;
  /** Status for a successful response; 204 sends no body. Default 200. */
  status?: number;
}

export interface EndpointInput<Body, Query, Params> {
  body: Parsed<Body>;
  query: Parsed<Query>;
  params: Parsed<Params>;
}

export function endpoint<
  Body extends z.ZodType | undefined = undefined,
  Query extends z.ZodType | undefined = undefined,
  Params extends z.ZodType | undefined = undefined,
>(
  schemas: EndpointSchemas<Body, Query, Params>,
  handler: (input: EndpointInput<Body, Query, Params>, req: Request, res: Response) => Promise<unknown>,
): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const input = {
        params: (schemas.params ? parseOrThrow(schemas.params, req.params, 'path') : undefined) as Parsed<Params>,
        query: (schemas.query ? parseOrThrow(schemas.query, req.query, 'query string') : undefined) as Parsed<Query>,
        body: (schemas.body ? parseOrThrow(schemas.body, req.body ?? {}, 'request body') : undefined) as Parsed<Body>,
      };
      const result = await handler(input, req, res);
      if (res.headersSent) return;
      // A handler may pick the status itself (res.status(503)) when it depends on the outcome.
      const status = schemas.status ?? res.statusCode;
      if (status === 204 || result === undefined) {
        res.status(status === 200 ? 204 : status).end();
      } else {
        res.status(status).json(result);
      }
    } catch (error) {
      next(error);
    }
  };
}
