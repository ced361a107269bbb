import { z } from "zod";
import {
  API_VERSION_KIND,
  FAILURE_POLICIES,
  LIMIT_KINDS,
  LIMIT_SCOPES,
  LIMIT_WINDOWS,
  PROVIDER_KINDS,
} from "./types.ts";

const name = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "letters, digits, '.', '_' and '-', starting with a letter or digit");
const timeoutMs = z.number().int().min(1).max(600_000);

/**
 * Azure OpenAI's `api-version` (`2024-10-21`, `2025-04-01-preview`, `preview`): a short token, so it can never
 * smuggle anything into the query string it is sent in.
 */
const apiVersion = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "letters, digits, '.', '_' and '-'")
  .describe("azure-openai only: the api-version sent to Azure; null = the default version");

/** Whether a provider may be reached on internal addresses; described once for the OpenAPI document. */
const allowInternalDescription =
  "allow connecting to this provider on internal addresses (loopback, private, link-local, unique-local, CGNAT): an in-cluster Ollama or vLLM; default false";

/** The message given when `apiVersion` is set on a provider whose kind has no API versions. */
export const API_VERSION_REFUSAL = `apiVersion applies only to kind ${API_VERSION_KIND}`;

/** Body of `POST /admin/v1/providers`. `apiKey` is write-only: stored encrypted, never returned. */
export const providerCreateSchema = z
  .object({
    name,
    kind: z.enum(PROVIDER_KINDS),
    baseUrl: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .optional(),
    apiKey: z.string().min(1).max(4096).optional(),
    connectTimeoutMs: timeoutMs.default(5_000),
    firstByteTimeoutMs: timeoutMs.default(60_000),
    /** Azure OpenAI only; absent or null means the adapter's default version. */
    apiVersion: apiVersion.nullable().optional(),
    allowInternal: z.boolean().default(false).describe(allowInternalDescription),
  })
  .strict()
  .refine((p) => p.kind === "mock" || p.baseUrl !== undefined, {
    path: ["baseUrl"],
    message: "baseUrl is required for this kind",
  })
  .refine((p) => p.apiVersion === undefined || p.apiVersion === null || p.kind === API_VERSION_KIND, {
    path: ["apiVersion"],
    message: API_VERSION_REFUSAL,
  });
/** Parsed provider creation input. */
export type ProviderCreate = z.infer<typeof providerCreateSchema>;

/**
 * Body of `PATCH /admin/v1/providers/{id}`; `apiKey: null` removes the stored key, `apiVersion: null` returns
 * to the default version. The kind cannot change, so the handler checks `apiVersion` against the stored kind.
 */
export const providerUpdateSchema = z
  .object({
    name: name.optional(),
    baseUrl: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .optional(),
    apiKey: z.string().min(1).max(4096).nullable().optional(),
    connectTimeoutMs: timeoutMs.optional(),
    firstByteTimeoutMs: timeoutMs.optional(),
    apiVersion: apiVersion.nullable().optional(),
    allowInternal: z.boolean().describe(allowInternalDescription).optional(),
  })
  .strict();
/** Parsed provider update input. */
export type ProviderUpdate = z.infer<typeof providerUpdateSchema>;

const alias = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/@-]*$/, "letters, digits and . _ : / @ -");

const upstreamModel = z.string().min(1).max(256);
const strictDescription =
  "true: a parameter the provider cannot honour is answered 400 naming it; false: it is dropped";

/** Body of `POST /admin/v1/routes`. `strict` refuses parameters the target cannot honour instead of dropping them. */
export const routeCreateSchema = z
  .object({
    alias,
    providerId: z.uuid(),
    upstreamModel,
    strict: z.boolean().default(false).describe(strictDescription),
  })
  .strict();
/** Parsed route creation input. */
export type RouteCreate = z.infer<typeof routeCreateSchema>;

/** Body of `PATCH /admin/v1/routes/{id}`: every field optional, and none defaulted, so absent means unchanged. */
export const routeUpdateSchema = z
  .object({
    alias: alias.optional(),
    providerId: z.uuid().optional(),
    upstreamModel: upstreamModel.optional(),
    strict: z.boolean().describe(strictDescription).optional(),
  })
  .strict();
/** Parsed route update input. */
export type RouteUpdate = z.infer<typeof routeUpdateSchema>;

const metadata = z
  .record(z.string().min(1).max(64), z.union([z.string().max(1024), z.number(), z.boolean()]))
  .refine((m) => Object.keys(m).length <= 32, "at most 32 entries");

/** Body of `POST /admin/v1/consumers`. */
export const consumerCreateSchema = z
  .object({
    name,
    metadata: metadata.default({}),
    enabled: z.boolean().default(true),
  })
  .strict();
/** Parsed consumer creation input. */
export type ConsumerCreate = z.infer<typeof consumerCreateSchema>;

/** Body of `PATCH /admin/v1/consumers/{id}`. */
export const consumerUpdateSchema = z
  .object({ name: name.optional(), metadata: metadata.optional(), enabled: z.boolean().optional() })
  .strict();
/** Parsed consumer update input. */
export type ConsumerUpdate = z.infer<typeof consumerUpdateSchema>;

/** Body of `POST /admin/v1/consumers/{id}/keys`. */
export const keyCreateSchema = z.object({ name: z.string().min(1).max(64).optional() }).strict();
/** Parsed key creation input. */
export type KeyCreate = z.infer<typeof keyCreateSchema>;

/** Body of `POST /admin/v1/limits`, in the general shape; see {@link unsupportedLimitField}. */
export const limitCreateSchema = z
  .object({
    kind: z.enum(LIMIT_KINDS),
    window: z.enum(LIMIT_WINDOWS),
    scope: z.enum(LIMIT_SCOPES),
    scopeId: z.string().max(128).default(""),
    limit: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    failurePolicy: z.enum(FAILURE_POLICIES).default("deny"),
  })
  .strict();
/** Parsed limit creation input. */
export type LimitCreate = z.infer<typeof limitCreateSchema>;

/** Body of `PATCH /admin/v1/limits/{id}`. */
export const limitUpdateSchema = z
  .object({ limit: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), failurePolicy: z.enum(FAILURE_POLICIES) })
  .partial()
  .strict();
/** Parsed limit update input. */
export type LimitUpdate = z.infer<typeof limitUpdateSchema>;

/**
 * Which field of a well-formed limit this release cannot enforce yet (answered with 422), or null.
 * Only requests per minute per consumer is enforced until the limits issue lands.
 */
export function unsupportedLimitField(
  l: Pick<LimitCreate, "kind" | "window" | "scope">,
): "kind" | "window" | "scope" | null {
  if (l.kind !== "requests") return "kind";
  if (l.window !== "minute") return "window";
  if (l.scope !== "consumer") return "scope";
  return null;
}
