import { Hono } from "hono";
import { requestId } from "hono/request-id";
import { createAdminApp } from "./admin/app";
import { createConsoleApp } from "./console/app";
import type { AppEnv } from "./context";
import { GatewayError, problemResponse, unexpectedError } from "./errors";
import { ingest } from "./ingest/route";
import { ingestLog } from "./ingest/request-log";
import { errorMessage, log } from "./lib/log";
import { newId } from "./lib/ids";

/** The HTTP surface. Errors of every route become problem responses here, and only here. */
export function createApp() {
  const app = new Hono<AppEnv>();

  app.use(requestId({ generator: () => newId("req") }));

  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.route("/admin", createAdminApp());
  app.route("/console", createConsoleApp());

  app.use("/in/:sourceId", ingestLog);
  app.post("/in/:sourceId", ingest);
  app.all("/in/:sourceId", () => {
    throw new GatewayError("method_not_allowed", "Webhooks are delivered with POST.");
  });

  app.notFound((c) => problemResponse(new GatewayError("not_found", `Nothing at ${c.req.path}.`), c.get("requestId")));

  app.onError((error, c) => {
    if (error instanceof GatewayError) return problemResponse(error, c.get("requestId"));
    log("error", "unhandled error", { requestId: c.get("requestId"), path: c.req.path, error: errorMessage(error) });
    return problemResponse(unexpectedError(error), c.get("requestId"));
  });

  return app;
}
