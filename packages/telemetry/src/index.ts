export { type AccessLogOptions, accessLog } from "./access-log.ts";
export { healthRoutes, type ReadinessCheck } from "./health-routes.ts";
export { type HttpMetricsOptions, httpMetrics } from "./http-metrics.ts";
export { createLogger, type Logger, type LoggerOptions } from "./logger.ts";
export { createOpsApp, type OpsAppOptions } from "./ops-app.ts";
export { createRegistry, type RegistryOptions } from "./registry.ts";
export { requestHeader } from "./request-header.ts";
export { markAlreadySent, type RequestIdOptions, type RequestIdVariables, requestId } from "./request-id.ts";
export { type RequestTelemetryOptions, requestTelemetry } from "./request-telemetry.ts";
