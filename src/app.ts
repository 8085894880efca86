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

/** Request ids, 404s and the one place errors become problem responses, for each app. */
function withCommonHandling(app: Hono<AppEnv>): Hono<AppEnv> {
  app.notFound((c) => problemResponse(new GatewayError("not_found", `Nothing at ${c.req.path}.`), c.get("requestId")));
  app.onError((error, c) => {
    if (error instanceof GatewayError) return problemResponse(error, c.get("requestId"));
    log("error", "unhandled error", { requestId: c.get("requestId"), path: c.req.path, error: errorMessage(error) });
    return problemResponse(unexpectedError(error), c.get("requestId"));
  });
  return app;
}

function newApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(requestId({ generator: () => newId("req") }));
  return app;
}

/** POST /in/:sourceId, alone: the hot path does not search the admin's and console's routes. */
function createIngestApp(): Hono<AppEnv> {
  const app = newApp();
  app.use("/in/:sourceId", ingestLog);
  app.post("/in/:sourceId", ingest);
  app.all("/in/:sourceId", () => {
    throw new GatewayError("method_not_allowed", "Webhooks are delivered with POST.");
  });
  return withCommonHandling(app);
}

/** Everything else: health, the admin API, the console. */
function createManagementApp(): Hono<AppEnv> {
  const app = newApp();
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.route("/admin", createAdminApp());
  app.route("/console", createConsoleApp());
  return withCommonHandling(app);
}

/**
 * The HTTP surface. Webhooks go straight to the ingest app: with the admin API and
 * the console in the same router, matching a webhook's path cost more CPU than
 * verifying its signature (`npm run bench:profile` showed Hono's trie search at
 * ~9% of the Worker's time). The split is by path prefix, one string comparison.
 */
export function createApp(): { fetch(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response> } {
  const ingestApp = createIngestApp();
  const managementApp = createManagementApp();
  return {
    fetch(request, env, ctx) {
      const app = isIngestPath(request.url) ? ingestApp : managementApp;
      return app.fetch(request, env, ctx);
    },
  };
}

/** True when the URL's path starts with `/in/` (the URL is absolute, as Workers give it). */
export function isIngestPath(url: string): boolean {
  const pathStart = url.indexOf("/", url.indexOf("://") + 3);
  return pathStart !== -1 && url.startsWith("/in/", pathStart);
}
