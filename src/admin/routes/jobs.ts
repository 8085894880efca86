import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { cancelJob, jobView, readJob } from "../bulk-retry";
import type { AdminEnv } from "../env";
import { problemResponses, validationHook } from "../problems";

const tags = ["Deliveries"];
const security = [{ bearerAuth: [] }];
const params = z.object({ id: z.string().min(1).max(100).meta({ example: "job_01JABCDEFGHJKMNPQRSTVWXYZ0" }) });

const read = createRoute({
  operationId: "getJob",
  method: "get",
  path: "/v1/jobs/{id}",
  tags,
  security,
  summary: "A bulk retry job's progress",
  request: { params },
  responses: {
    200: { description: "The job", content: { "application/json": { schema: jobView } } },
    ...problemResponses(404),
  },
});

const cancel = createRoute({
  operationId: "cancelJob",
  method: "delete",
  path: "/v1/jobs/{id}",
  tags,
  security,
  summary: "Cancel a bulk retry job",
  description:
    "Stops the job after the step in progress: deliveries it re-queued stay re-queued, none is re-queued after. A finished job is answered as it is.",
  request: { params },
  responses: {
    200: { description: "The job, cancelled (or as it finished)", content: { "application/json": { schema: jobView } } },
    ...problemResponses(403, 404),
  },
});

/** GET and DELETE /v1/jobs/{id}. */
export function jobRoutes() {
  const app = new OpenAPIHono<AdminEnv>({ defaultHook: validationHook });
  app.openapi(read, async (c) => c.json(await readJob(c.env, c.req.valid("param").id), 200));
  app.openapi(cancel, async (c) => c.json(await cancelJob(c.env, c.req.valid("param").id), 200));
  return app;
}
