import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../context";
import { GatewayError } from "../errors";
import { log } from "../lib/log";

/**
 * One log line per ingest request, whatever its outcome: request id, source, event
 * id, outcome (or the error code), status and latency. Never the body or a header.
 */
export const ingestLog: MiddlewareHandler<AppEnv> = async (c, next) => {
  const started = Date.now();
  await next();
  const error = c.error;
  const status = c.res.status;
  log(status >= 500 ? "error" : status >= 400 ? "warn" : "info", "ingest", {
    requestId: c.get("requestId"),
    sourceId: c.req.param("sourceId"),
    eventId: c.get("eventId"),
    outcome: c.get("outcome") ?? (error instanceof GatewayError ? error.code : "internal_error"),
    status,
    latencyMs: Date.now() - started,
  });
};
