import { Hono } from "hono";
import { requestId } from "hono/request-id";
import { createAdminApp } from "./admin/app";
import { requireStrongTokens } from "./admin/token-policy";
import { createConsoleApp } from "./console/app";
import { type AppEnv, provideServices } from "./context";
import { GatewayError, problemResponse, unexpectedError } from "./errors";
import { handleWebhook, isIngestPath, pathOf } from "./ingest/handler";
import { newId } from "./lib/ids";
import { errorMessage, log } from "./lib/log";

/**
 * Health, the admin API and the console. Its 404s and errors become problem
 * responses here, the one place for everything outside `/in/`.
 */
function createManagementApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(requestId({ generator: () => newId("req") }));
  app.use(provideServices);
  app.use(requireStrongTokens);
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.route("/admin", createAdminApp());
  app.route("/console", createConsoleApp());
  app.notFound((c) => problemResponse(new GatewayError("not_found", `Nothing at ${c.req.path}.`), c.get("requestId")));
  app.onError((error, c) => {
    if (error instanceof GatewayError) return problemResponse(error, c.get("requestId"));
    log("error", "unhandled error", { requestId: c.get("requestId"), path: c.req.path, error: errorMessage(error) });
    return problemResponse(unexpectedError(error), c.get("requestId"));
  });
  return app;
}

/**
 * The HTTP surface. Webhooks (`/in/…`) go to their own front door
 * (src/ingest/handler.ts), which does without a router; everything else to the Hono
 * app. The split is by path prefix, one string comparison.
 */
export function createApp(): { fetch(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response> } {
  const managementApp = createManagementApp();
  return {
    fetch(request, env, ctx) {
      const path = pathOf(request.url);
      return isIngestPath(path) ? handleWebhook(request, env, ctx, path) : managementApp.fetch(request, env, ctx);
    },
  };
}
