/**
 * The API's own description, built from the routes themselves so it cannot drift
 * from the code. A module declares each route once through a `DescribedRouter`:
 *
 *   const routes = new DescribedRouter(context.apiRoutes, '/sensors', 'Sensors');
 *   routes.route({ method: 'get', path: '/:sensorId', summary: 'One sensor',
 *     permission: 'sensors:read', params: sensorIdParams }, async ({ params }) => …);
 *
 * That one call mounts `requirePermission(permission)` → `endpoint(schemas, handler)`
 * on the module's router AND records method, full path, permission and the very
 * zod schemas that validate the request in the console's `ApiRouteCatalogue`.
 * `GET /api/v1/openapi.json` renders the catalogue (zod 4's `z.toJSONSchema`), and
 * the role × route test walks the same catalogue with each recorded permission.
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { requirePermission } from './auth.js';
import { endpoint, type EndpointInput } from './endpoint.js';
import type { ApiRouter } from './http-app.js';
import type { Permission } from './permissions.js';

export const API_BASE_PATH = '/api/v1';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** 'public' marks the few routes anyone may call without signing in (health, this document). */
export type RouteAccess = Permission | 'public';

export interface RouteDescription {
  method: HttpMethod;
  /** Full path below /api/v1 in express syntax, e.g. `/sensors/:sensorId/zone`. */
  path: string;
  summary: string;
  tag: string;
  permission: RouteAccess;
  params: z.ZodType | undefined;
  query: z.ZodType | undefined;
  body: z.ZodType | undefined;
  /** Status of a successful answer (documentation; 204 means no body). */
  status: number;
}

/** Every route of one running console; one instance per console (ConsoleContext.apiRoutes). */
export class ApiRouteCatalogue {
  private readonly routes: RouteDescription[] = [];

  add(route: RouteDescription): void {
    const duplicate = this.routes.find((known) => known.method === route.method && known.path === route.path);
    if (duplicate) throw new Error(`Route ${route.method.toUpperCase()} ${route.path} is described twice`);
    this.routes.push(route);
  }

  list(): readonly RouteDescription[] {
    return this.routes;
  }
}

export interface RouteSpec<Body, Query, Params> {
  method: HttpMethod;
  /** Path below the router's mount path: '/', '/:siteId'. */
  path: string;
  summary: string;
  permission: RouteAccess;
  body?: Body;
  query?: Query;
  params?: Params;
  /** Forced success status; without it the handler may choose (res.status(503)). */
  status?: number;
}

/** An express Router for one mount path whose routes are all described in the catalogue. */
export class DescribedRouter {
  readonly router = Router();

  constructor(
    private readonly catalogue: ApiRouteCatalogue,
    private readonly mountPath: string,
    private readonly tag: string,
  ) {}

  route<
    Body extends z.ZodType | undefined = undefined,
    Query extends z.ZodType | undefined = undefined,
    Params extends z.ZodType | undefined = undefined,
  >(
    spec: RouteSpec<Body, Query, Params>,
    handler: (input: EndpointInput<Body, Query, Params>, req: Request, res: Response) => Promise<unknown>,
  ): this {
    const fullPath = spec.path === '/' ? this.mountPath : `${this.mountPath}${spec.path}`;
    this.catalogue.add({
      method: spec.method,
      path: fullPath,
      summary: spec.summary,
      tag: this.tag,
      permission: spec.permission,
      params: spec.params,
      query: spec.query,
      body: spec.body,
      status: spec.status ?? 200,
    });
    const guard = spec.permission === 'public' ? [] : [requirePermission(spec.permission)];
    const schemas = {
      ...(spec.body === undefined ? {} : { body: spec.body }),
      ...(spec.query === undefined ? {} : { query: spec.query }),
      ...(spec.params === undefined ? {} : { params: spec.params }),
      ...(spec.status === undefined ? {} : { status: spec.status }),
    };
    this.router[spec.method](spec.path, ...guard, endpoint<Body, Query, Params>(schemas, handler));
    return this;
  }

  apiRouter(): ApiRouter {
    return { path: this.mountPath, router: this.router };
  }
}

type JsonObject = Record<string, unknown>;

function jsonSchemaOf(schema: z.ZodType): JsonObject {
  // Requests are described as the client sends them (before coercion and defaults).
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonObject;
  return rest;
}

function objectProperties(schema: z.ZodType): { properties: Record<string, JsonObject>; required: Set<string> } {
  const json = jsonSchemaOf(schema);
  return {
    properties: (json.properties ?? {}) as Record<string, JsonObject>,
    required: new Set((json.required ?? []) as string[]),
  };
}

function parametersOf(route: RouteDescription): JsonObject[] {
  const parameters: JsonObject[] = [];
  for (const [location, schema] of [['path', route.params], ['query', route.query]] as const) {
    if (!schema) continue;
    const { properties, required } = objectProperties(schema);
    for (const [name, property] of Object.entries(properties)) {
      parameters.push({ name, in: location, required: location === 'path' || required.has(name), schema: property });
    }
  }
  return parameters;
}

const ERROR_RESPONSE = { $ref: '#/components/responses/Error' };

function operationOf(route: RouteDescription): JsonObject {
  const isPublic = route.permission === 'public';
  const responses: JsonObject = {
    [String(route.status)]: route.status === 204 ? { description: 'Done; no body.' } : { description: 'Success.', content: { 'application/json': {} } },
  };
  if (route.params || route.query || route.body) responses['400'] = ERROR_RESPONSE;
  if (!isPublic) Object.assign(responses, { '401': ERROR_RESPONSE, '403': ERROR_RESPONSE });
  if (route.params) responses['404'] = ERROR_RESPONSE;
  if (route.method !== 'get') responses['409'] = ERROR_RESPONSE;
  return {
    operationId: `${route.method}${route.path.replace(/[/:-]+([a-zA-Z])/g, (_match, letter: string) => letter.toUpperCase())}`,
    summary: route.summary,
    tags: [route.tag],
    'x-permission': route.permission,
    security: isPublic ? [] : [{ sessionCookie: [] }, { apiToken: [] }],
    parameters: parametersOf(route),
    ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchemaOf(route.body) } } } } : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document of every described route. */
export function openApiDocument(catalogue: ApiRouteCatalogue, version: string): JsonObject {
  const paths: Record<string, JsonObject> = {};
  for (const route of catalogue.list()) {
    const openApiPath = `${API_BASE_PATH}${route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`;
    paths[openApiPath] = { ...paths[openApiPath], [route.method]: operationOf(route) };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Garrison console API', version },
    paths,
    components: {
      securitySchemes: {
        sessionCookie: { type: 'apiKey', in: 'cookie', name: 'garrison_session', description: 'Browser session; state-changing requests also need the CSRF header.' },
        apiToken: { type: 'http', scheme: 'bearer', description: 'API token created by an admin.' },
      },
      responses: {
        Error: {
          description: 'The one error shape; `details.problems` names each wrong field.',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['error'],
                properties: {
                  error: {
                    type: 'object',
                    required: ['code', 'message'],
                    properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
                  },
                },
              },
            },
          },
        },
      },
    },
  };
}

/** `GET /api/v1/openapi.json`, public; rendered on each request so later modules' routes are included. */
export function openApiRouter(catalogue: ApiRouteCatalogue, version: string): ApiRouter {
  const routes = new DescribedRouter(catalogue, '/openapi.json', 'API');
  routes.route({ method: 'get', path: '/', summary: 'This OpenAPI document', permission: 'public' }, async () => openApiDocument(catalogue, version));
  return routes.apiRouter();
}
