import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { GatewayError, problemResponse, unexpectedError } from "../errors";
import { errorMessage, log } from "../lib/log";
import { adminAuth } from "./auth";
import { configBodyDepth } from "./config-writes";
import { docsPage } from "./docs";
import type { AdminEnv } from "./env";
import { validationHook } from "./problems";
import { configRoutes } from "./routes/config";
import { deliveryRoutes } from "./routes/deliveries";
import { destinationControlRoutes } from "./routes/destination-controls";
import { entryRoutes } from "./routes/entries";
import { eventRoutes } from "./routes/events";
import { jobRoutes } from "./routes/jobs";
import { metricsRoutes } from "./routes/metrics";
import { ownerRoutes } from "./routes/owners";
import { simulateRoutes } from "./routes/simulate";
import { statsRoutes } from "./routes/stats";

/** The OpenAPI document's top: `servers` is relative, so the document works on any host. */
export const openApiInfo: Parameters<OpenAPIHono["getOpenAPI31Document"]>[0] = {
  openapi: "3.1.0",
  info: {
    title: "Switchboard admin API",
    version: "1.0.0",
    description:
      "Configuration (versioned, validated, secrets write-only), events, replay, simulation and stats of a Switchboard gateway. Every request needs `Authorization: Bearer <ADMIN_TOKEN>`; `ADMIN_READ_TOKEN` may read and simulate only. Errors are RFC 9457 problem documents with a stable `code`.",
    license: { name: "Apache-2.0", url: "https://www.apache.org/licenses/LICENSE-2.0" },
  },
  servers: [{ url: "/admin", description: "This gateway" }],
  security: [{ bearerAuth: [] }],
};

/**
 * The largest admin request body: a simulated raw body of the largest source body
 * (1.5 MiB), escaped into JSON, fits; a configuration document has its own, lower
 * limit (src/config/limits.ts). Larger bodies are refused before they are parsed.
 */
export const ADMIN_BODY_BYTES = 10 * 1024 * 1024;

const adminBodyLimit = bodyLimit({
  maxSize: ADMIN_BODY_BYTES,
  onError: () => {
    throw new GatewayError("payload_too_large", `An admin request body may be at most ${ADMIN_BODY_BYTES} bytes.`);
  },
});

/** Turns anything thrown under /admin into a problem; bad input is never a 500. */
function toResponse(error: Error, requestId: string): Response {
  if (error instanceof GatewayError) return problemResponse(error, requestId);
  if (error instanceof HTTPException) {
    const code = error.status === 415 ? "unsupported_media_type" : "body_unparseable";
    const detail = error.status === 415 ? "Send the body as application/json." : "The body is not valid JSON.";
    return problemResponse(new GatewayError(code, detail), requestId);
  }
  log("error", "admin request failed", { requestId, error: errorMessage(error) });
  return problemResponse(unexpectedError(error), requestId);
}

/**
 * The admin API, mounted at /admin: `/admin/v1/*` (OpenAPI routes), the document at
 * `/admin/v1/openapi.json` and the reference at `/admin/docs` — all behind the token.
 */
export function createAdminApp() {
  const app = new OpenAPIHono<AdminEnv>({ defaultHook: validationHook });
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description: "ADMIN_TOKEN, or ADMIN_READ_TOKEN for reads",
  });
  app.use("*", adminAuth);
  app.use("/v1/*", adminBodyLimit);
  app.on("PUT", ["/v1/config", "/v1/:kind/:id"], configBodyDepth);
  app.route("/", configRoutes());
  app.route("/", entryRoutes());
  app.route("/", destinationControlRoutes());
  app.route("/", eventRoutes());
  app.route("/", deliveryRoutes());
  app.route("/", jobRoutes());
  app.route("/", metricsRoutes());
  app.route("/", ownerRoutes());
  app.route("/", simulateRoutes());
  app.route("/", statsRoutes());
  app.doc31("/v1/openapi.json", openApiInfo);
  app.get("/docs", docsPage);
  app.onError((error, c) => toResponse(error, c.get("requestId")));
  return app;
}
