import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { jobView, planRetry, retryPlanView, retryRequestSchema, startRetryJob } from "../bulk-retry";
import type { AdminEnv } from "../env";
import { problemResponses, validationHook } from "../problems";

const retry = createRoute({
  operationId: "retryDeliveries",
  method: "post",
  path: "/v1/deliveries/retry",
  tags: ["Deliveries"],
  security: [{ bearerAuth: [] }],
  summary: "Retry every delivery matching a filter",
  description:
    "Sends deliveries again as they were decided (nothing is routed again): dead letters get a fresh attempt budget, pending ones are made due now. `dryRun: true` answers how many match and shows a few, changing nothing. Otherwise a job starts (202, `Location: /admin/v1/jobs/{id}`) that re-queues `chunkSize` deliveries per step in the background; each delivery at most once, only those that matched when it began. An upsert is left out when a later delivery of the same lead to the same destination has succeeded (it would write older data over newer).",
  request: { body: { required: true, content: { "application/json": { schema: retryRequestSchema } } } },
  responses: {
    200: { description: "The dry run: what would be retried", content: { "application/json": { schema: retryPlanView } } },
    202: {
      description: "The job started; follow `Location` for its progress",
      headers: { location: { schema: { type: "string" }, description: "/admin/v1/jobs/{id}" } },
      content: { "application/json": { schema: jobView } },
    },
    ...problemResponses(400, 403, 415, 422),
  },
});

/** POST /v1/deliveries/retry. */
export function deliveryRoutes() {
  const app = new OpenAPIHono<AdminEnv>({ defaultHook: validationHook });
  app.openapi(retry, async (c) => {
    const request = c.req.valid("json");
    if (request.dryRun) return c.json((await planRetry(c.env, request)).plan, 200);
    const job = await startRetryJob(c.env, request);
    return c.json(job, 202, { location: `/admin/v1/jobs/${job.id}` });
  });
  return app;
}
