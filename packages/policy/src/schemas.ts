import { z } from "zod";
import {
  API_VERSION_KIND,
  FAILURE_POLICIES,
  LEGACY_FAILURE_POLICIES,
  LIMIT_KINDS,
  LIMIT_MODES,
  LIMIT_SCOPES,
  LIMIT_WINDOWS,
  type LimitKind,
  type LimitSpec,
  PROVIDER_KINDS,
  UNPRICED_POLICIES,
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
    groupId: z.uuid().nullable().default(null),
  })
  .strict();
/** Parsed consumer creation input. */
export type ConsumerCreate = z.infer<typeof consumerCreateSchema>;

/** Body of `PATCH /admin/v1/consumers/{id}`. */
export const consumerUpdateSchema = z
  .object({
    name: name.optional(),
    metadata: metadata.optional(),
    enabled: z.boolean().optional(),
    groupId: z.uuid().nullable().optional(),
  })
  .strict();
/** Parsed consumer update input. */
export type ConsumerUpdate = z.infer<typeof consumerUpdateSchema>;

/** Body of `POST /admin/v1/consumers/{id}/keys`. */
export const keyCreateSchema = z.object({ name: z.string().min(1).max(64).optional() }).strict();
/** Parsed key creation input. */
export type KeyCreate = z.infer<typeof keyCreateSchema>;

const failurePolicy = z.preprocess(
  (v) => (typeof v === "string" && Object.hasOwn(LEGACY_FAILURE_POLICIES, v) ? LEGACY_FAILURE_POLICIES[v] : v),
  z.enum(FAILURE_POLICIES),
);
const limitValue = z.number().min(0).max(Number.MAX_SAFE_INTEGER);

/** One reason a limit's fields do not fit together, naming the field. */
export interface LimitProblem {
  readonly field: "window" | "scopeId" | "limit" | "onUnpriced" | "streamCutoff";
  readonly message: string;
}

/** Kinds counted in tokens or money, the ones a stream can be cut off by. */
export const METERED_KINDS: ReadonlySet<LimitKind> = new Set([
  "input_tokens",
  "output_tokens",
  "total_tokens",
  "cost_usd",
]);

/**
 * Checks the rules that tie a limit's fields together, for a new limit and for a patched one: concurrency has
 * no window and every other kind has one; `global` has no scope id and every other scope has one; the limit
 * is an integer except a USD budget (at most six decimals, it is counted in micro-dollars); `onUnpriced` only
 * means something for cost limits and `streamCutoff` only for token and cost limits.
 */
export function limitProblem(
  l: Pick<LimitSpec, "kind" | "window" | "scope" | "scopeId" | "limit" | "onUnpriced" | "streamCutoff">,
): LimitProblem | null {
  if (l.kind === "concurrency" && l.window !== null) {
    return { field: "window", message: "concurrency limits have no window; leave it out or null" };
  }
  if (l.kind !== "concurrency" && l.window === null) return { field: "window", message: "window is required" };
  if (l.scope === "global" && l.scopeId !== "") return { field: "scopeId", message: "global limits have no scopeId" };
  if (l.scope !== "global" && l.scopeId === "")
    return { field: "scopeId", message: `scopeId is required for scope ${l.scope}` };
  if (l.kind === "cost_usd") {
    if (
      !Number.isSafeInteger(Math.round(l.limit * 1e6)) ||
      Math.abs(l.limit * 1e6 - Math.round(l.limit * 1e6)) > 1e-6
    ) {
      return { field: "limit", message: "a USD limit has at most six decimals" };
    }
  } else if (!Number.isSafeInteger(l.limit)) {
    return { field: "limit", message: `a ${l.kind} limit is a whole number` };
  }
  if (l.kind !== "cost_usd" && l.onUnpriced !== "deny") {
    return { field: "onUnpriced", message: "onUnpriced applies only to cost_usd limits" };
  }
  if (l.streamCutoff && !METERED_KINDS.has(l.kind)) {
    return { field: "streamCutoff", message: "streamCutoff applies only to token and cost_usd limits" };
  }
  return null;
}

/**
 * Body of `POST /admin/v1/limits`. `window` is left out (or null) for concurrency limits; `onUnpriced`
 * defaults to `deny` (an unpriced model is refused by a budget, never counted as free).
 */
export const limitCreateSchema = z
  .object({
    kind: z.enum(LIMIT_KINDS),
    window: z.enum(LIMIT_WINDOWS).nullable().default(null),
    scope: z.enum(LIMIT_SCOPES),
    scopeId: z.string().max(128).default(""),
    limit: limitValue,
    failurePolicy: failurePolicy.default("fail-closed"),
    mode: z.enum(LIMIT_MODES).default("enforce"),
    onUnpriced: z.enum(UNPRICED_POLICIES).default("deny"),
    streamCutoff: z.boolean().default(false),
  })
  .strict()
  .superRefine((l, ctx) => {
    const problem = limitProblem(l);
    if (problem) ctx.addIssue({ code: "custom", path: [problem.field], message: problem.message });
  });
/** Parsed limit creation input. */
export type LimitCreate = z.infer<typeof limitCreateSchema>;

/**
 * Body of `PATCH /admin/v1/limits/{id}`: kind, window and scope are fixed once created (counters are keyed by
 * them); the handler checks the patched limit with {@link limitProblem}.
 */
export const limitUpdateSchema = z
  .object({
    limit: limitValue,
    failurePolicy,
    mode: z.enum(LIMIT_MODES),
    onUnpriced: z.enum(UNPRICED_POLICIES),
    streamCutoff: z.boolean(),
  })
  .partial()
  .strict();
/** Parsed limit update input. */
export type LimitUpdate = z.infer<typeof limitUpdateSchema>;

/** Body of `POST /admin/v1/groups`. */
export const groupCreateSchema = z.object({ name }).strict();
/** Parsed group creation input. */
export type GroupCreate = z.infer<typeof groupCreateSchema>;

/** Body of `PATCH /admin/v1/groups/{id}`. */
export const groupUpdateSchema = z.object({ name: name.optional() }).strict();
/** Parsed group update input. */
export type GroupUpdate = z.infer<typeof groupUpdateSchema>;

const perMTok = z.number().min(0).max(1_000_000);

/** Body of `POST /admin/v1/prices`: USD per million tokens for one upstream model. */
export const priceCreateSchema = z
  .object({
    model: upstreamModel,
    inputPerMTok: perMTok,
    outputPerMTok: perMTok,
    cachedInputPerMTok: perMTok.nullable().default(null),
  })
  .strict();
/** Parsed price creation input. */
export type PriceCreate = z.infer<typeof priceCreateSchema>;

/** Body of `PATCH /admin/v1/prices/{id}`. */
export const priceUpdateSchema = z
  .object({ inputPerMTok: perMTok, outputPerMTok: perMTok, cachedInputPerMTok: perMTok.nullable() })
  .partial()
  .strict();
/** Parsed price update input. */
export type PriceUpdate = z.infer<typeof priceUpdateSchema>;
