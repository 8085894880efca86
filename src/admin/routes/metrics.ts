import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { readMetricCounts } from "../../db/metric-counts";
import { limiterStates } from "../../monitoring/destination-state";
import { exposition, renderExposition } from "../../monitoring/exposition";
import { gatewayMetrics } from "../../monitoring/metrics";
import { currentDocumentOrNone } from "../current-config";
import type { AdminEnv } from "../env";
import { problemResponses, validationHook } from "../problems";

const metrics = createRoute({
  operationId: "getMetrics",
  method: "get",
  path: "/v1/metrics",
  tags: ["Stats"],
  security: [{ bearerAuth: [] }],
  summary: "Prometheus metrics",
  description:
    "Counters and gauges in the Prometheus text format (version 0.0.4) for a Prometheus scrape or a Datadog OpenMetrics check, with the read token: `switchboard_events_total{source,status}`, `switchboard_deliveries_total{destination,status}`, `switchboard_deliveries_pending{destination}`, `switchboard_oldest_pending_seconds{destination}`, `switchboard_destination_state{destination,state}`, the histogram `switchboard_webhook_to_crm_seconds` and `switchboard_d1_size_bytes`. The counters are kept as the rows are written, so a scrape reads one row per series, not the events. Setup and alert rules: docs/monitoring.md.",
  responses: {
    200: {
      description: "The metrics",
      content: { "text/plain": { schema: z.string().meta({ example: 'switchboard_events_total{source="typeform",status="queued"} 42\n' }) } },
    },
    ...problemResponses(),
  },
});

/** GET /v1/metrics. */
export function metricsRoutes() {
  const app = new OpenAPIHono<AdminEnv>({ defaultHook: validationHook });
  app.openapi(metrics, async (c) => {
    // Every configured destination has its series before its first delivery; with the
    // configuration unreadable, only those with counted deliveries are listed.
    const [counts, document] = await Promise.all([
      readMetricCounts(c.env.DB),
      currentDocumentOrNone(c.env, c.get("requestId"), "metrics: configuration unreadable, listing counted destinations only"),
    ]);
    const destinationIds = (document?.destinations ?? []).map((d) => d.id);
    const families = await gatewayMetrics({ counts, destinationIds, stateOf: limiterStates(c.env), nowMs: Date.now() });
    return c.text(renderExposition(families), 200, { "content-type": exposition, "cache-control": "no-store" });
  });
  return app;
}
