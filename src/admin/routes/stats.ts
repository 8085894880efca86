import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { createDb } from "../../db/client";
import { eventStats } from "../../db/event-stats";
import type { AdminEnv } from "../env";
import { problemResponses, validationFailed, validationHook } from "../problems";
import { timeParam } from "../schemas";

const dayMs = 86_400_000;
/** Longer windows make the event scan too long to poll. */
const maxWindowMs = 31 * dayMs;

const percentiles = z
  .object({ samples: z.number().int(), p50: z.number().optional(), p90: z.number().optional(), p99: z.number().optional(), max: z.number().optional() })
  .openapi("Percentiles");

const counts = z.record(z.string(), z.number().int());

const stats = createRoute({
  operationId: "getStats",
  method: "get",
  path: "/v1/stats",
  tags: ["Stats"],
  security: [{ bearerAuth: [] }],
  summary: "Counts and latencies over a time window (default: the last 24 hours)",
  description:
    "Events by status, source and route; attempts by destination with their outcomes; latency percentiles (one destination call, and webhook arrival to successful call) over the newest 5,000 successful attempts; dead letters. Index range scans only, cheap enough to poll.",
  request: {
    query: z.object({
      since: timeParam.optional().meta({ description: "Window start (default: until − 24 h)" }),
      until: timeParam.optional().meta({ description: "Window end (default: now)" }),
    }),
  },
  responses: {
    200: {
      description: "The figures",
      content: {
        "application/json": {
          schema: z
            .object({
              window: z.object({ since: z.string(), until: z.string() }),
              events: z.object({ total: z.number().int(), byStatus: counts, bySource: counts, byRoute: counts }),
              destinations: z.record(
                z.string(),
                z.object({
                  attempts: z.number().int(),
                  succeeded: z.number().int(),
                  retryable: z.number().int(),
                  failed: z.number().int(),
                  latencyMs: percentiles.optional(),
                }),
              ),
              latency: z.object({ attemptMs: percentiles, endToEndMs: percentiles }),
              deadLetters: z.object({ deliveries: z.number().int(), events: z.number().int() }),
              pendingDeliveries: z.number().int(),
            })
            .openapi("Stats"),
        },
      },
    },
    ...problemResponses(422),
  },
});

/** GET /v1/stats. */
export function statsRoutes() {
  const app = new OpenAPIHono<AdminEnv>({ defaultHook: validationHook });
  app.openapi(stats, async (c) => {
    const query = c.req.valid("query");
    const until = query.until ?? Date.now();
    const since = query.since ?? until - dayMs;
    if (since >= until) throw validationFailed([{ pointer: "/since", message: "must be before until", in: "query" }]);
    if (until - since > maxWindowMs) throw validationFailed([{ pointer: "/since", message: "the window is at most 31 days", in: "query" }]);
    const figures = await eventStats(createDb(c.env.DB), since, until);
    return c.json({ window: { since: new Date(since).toISOString(), until: new Date(until).toISOString() }, ...figures }, 200);
  });
  return app;
}
