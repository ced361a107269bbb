import {
  consumerCreateSchema,
  consumerUpdateSchema,
  groupCreateSchema,
  groupUpdateSchema,
  keyCreateSchema,
  limitCreateSchema,
  limitUpdateSchema,
  priceCreateSchema,
  priceUpdateSchema,
  providerCreateSchema,
  providerUpdateSchema,
  routeCreateSchema,
  routeUpdateSchema,
} from "@switchyard/policy";
import { z } from "zod";
import { rollbackSchema } from "../routes/history/rollback.ts";
import { usageQuerySchema } from "../routes/usage/usage-query-schema.ts";

type Json = Record<string, unknown>;

const schema = (s: z.ZodType): Json => z.toJSONSchema(s, { io: "input", unrepresentable: "any" }) as Json;

const errorBody: Json = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message", "requestId"],
      properties: {
        code: { type: "string" },
        message: { type: "string" },
        requestId: { type: "string" },
        details: {},
      },
    },
  },
};

const errors = (...codes: number[]): Json =>
  Object.fromEntries(
    codes.map((c) => [
      String(c),
      { description: "error", content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } },
    ]),
  );

const ok = (description: string, status = "200"): Json => ({
  [status]: { description, content: { "application/json": { schema: { type: "object" } } } },
});

const idParam = { name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } };
const versionParam = {
  name: "version",
  in: "path",
  required: true,
  schema: { type: "string", pattern: "^[0-9a-f]{8,64}$" },
};
const ifMatch = { name: "If-Match", in: "header", required: false, schema: { type: "string" } };
const pageParams = [
  { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 500, default: 50 } },
  { name: "cursor", in: "query", schema: { type: "string" } },
];

/** Query parameters from an object schema's JSON Schema: one parameter per property. */
function queryParams(s: z.ZodType): Json[] {
  const json = schema(s) as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, p]) => ({
    name,
    in: "query",
    required: json.required?.includes(name) ?? false,
    schema: p,
  }));
}

function resource(name: string, create: z.ZodType, update: z.ZodType): Record<string, Json> {
  const body = (s: z.ZodType) => ({ required: true, content: { "application/json": { schema: schema(s) } } });
  return {
    [`/admin/v1/${name}`]: {
      get: { summary: `List ${name}`, parameters: pageParams, responses: { ...ok("a page"), ...errors(400, 401) } },
      post: {
        summary: `Create one of ${name}`,
        requestBody: body(create),
        responses: { ...ok("created", "201"), ...errors(400, 401, 409, 422) },
      },
    },
    [`/admin/v1/${name}/{id}`]: {
      get: { summary: "Get one", parameters: [idParam], responses: { ...ok("the resource"), ...errors(401, 404) } },
      patch: {
        summary: "Update fields (If-Match with the ETag guards against lost updates)",
        parameters: [idParam, ifMatch],
        requestBody: body(update),
        responses: { ...ok("updated"), ...errors(400, 401, 404, 409, 412, 422) },
      },
      delete: {
        summary: "Delete",
        parameters: [idParam, ifMatch],
        responses: { "204": { description: "deleted" }, ...errors(401, 404, 409, 412) },
      },
    },
  };
}

/** Builds the admin API's OpenAPI 3.1 document from the same zod schemas that validate requests. */
export function buildOpenApi(version: string): Json {
  return {
    openapi: "3.1.0",
    info: { title: "Switchyard admin API", version },
    servers: [{ url: "/" }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "ADMIN_TOKEN" } },
      schemas: { Error: errorBody },
    },
    paths: {
      ...resource("providers", providerCreateSchema, providerUpdateSchema),
      ...resource("routes", routeCreateSchema, routeUpdateSchema),
      ...resource("consumers", consumerCreateSchema, consumerUpdateSchema),
      ...resource("groups", groupCreateSchema, groupUpdateSchema),
      ...resource("limits", limitCreateSchema, limitUpdateSchema),
      ...resource("prices", priceCreateSchema, priceUpdateSchema),
      "/admin/v1/consumers/{id}/keys": {
        get: { summary: "List a consumer's keys (never the key text)", parameters: [idParam], responses: ok("keys") },
        post: {
          summary: "Create an API key; the key text is returned once",
          parameters: [idParam],
          requestBody: { required: false, content: { "application/json": { schema: schema(keyCreateSchema) } } },
          responses: { ...ok("the key, shown once", "201"), ...errors(400, 401, 404) },
        },
      },
      "/admin/v1/consumers/{id}/keys/{keyId}": {
        delete: {
          summary: "Revoke a key",
          parameters: [idParam, { name: "keyId", in: "path", required: true, schema: { type: "string" } }],
          responses: { "204": { description: "revoked" }, ...errors(401, 404) },
        },
      },
      "/admin/v1/consumers/{id}/limits": {
        get: {
          summary:
            "Current counters (used, remaining, reset) of every limit that applies to a consumer, read from the limiter's Redis; 503 without Redis",
          parameters: [idParam],
          responses: { ...ok("one counter per limit"), ...errors(400, 401, 404, 503) },
        },
      },
      "/admin/v1/usage": {
        get: {
          summary: "Usage and spend per consumer, group, route or model over UTC days from..to, with daily rows",
          parameters: queryParams(usageQuerySchema),
          responses: { ...ok("totals per key, daily rows and the grand total"), ...errors(400, 401) },
        },
      },
      "/admin/v1/nodes": { get: { summary: "Data-plane fleet status", responses: ok("nodes") } },
      "/admin/v1/snapshot": {
        get: { summary: "The published snapshot's version and generation", responses: ok("snapshot") },
      },
      "/admin/v1/snapshots": {
        get: { summary: "Published snapshots, newest first", parameters: pageParams, responses: ok("a page") },
      },
      "/admin/v1/snapshots/{version}": {
        get: {
          summary: "One published snapshot (no credentials)",
          parameters: [versionParam],
          responses: ok("snapshot"),
        },
      },
      "/admin/v1/snapshots/{version}/diff": {
        get: {
          summary: "What changed from this snapshot to `to` (default: the newest)",
          parameters: [versionParam, { name: "to", in: "query", schema: { type: "string" } }],
          responses: { ...ok("diff"), ...errors(401, 404) },
        },
      },
      "/admin/v1/snapshots/{version}/rollback": {
        post: {
          summary: "Preview or apply a rollback of providers, routes, limits and prices to this snapshot",
          parameters: [versionParam],
          requestBody: { required: true, content: { "application/json": { schema: schema(rollbackSchema) } } },
          responses: { ...ok("the plan (and the new generation when applied)"), ...errors(400, 401, 404, 412) },
        },
      },
    },
  };
}
