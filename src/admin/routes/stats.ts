import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { outcomeNames } from "../../config/schema";
import { createDb } from "../../db/client";
import { eventStats } from "../../db/event-stats";
import { kpiSampleSize } from "../../db/kpis";
import { kpiReport } from "../../kpis/report";
import { storageReport } from "../../monitoring/storage";
import { currentDocumentOrNone } from "../current-config";
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

/** One object per outcome name, so that clients see all four even at zero. */
function perOutcomeSchema<T extends z.ZodType>(schema: T) {
  return z.object(Object.fromEntries(outcomeNames.map((name) => [name, schema])) as Record<(typeof outcomeNames)[number], T>);
}

const rate = z.number().nullable();

const groupKpis = z
  .object({
    leads: z.number().int().meta({ description: "Distinct leads among the group's routed events received in the window" }),
    outcomes: perOutcomeSchema(
      z
        .object({
          leads: z.number().int().meta({ description: "Leads with this outcome credited to one of the group's events" }),
          rate: rate.meta({ description: "leads with the outcome / leads (0–1); null without leads" }),
          timeMs: percentiles.meta({ description: "Credited event's arrival to the outcome, per lead (sampled)" }),
        })
        .openapi("KpiOutcome"),
    ),
    webhookToCrmMs: percentiles.meta({ description: "Webhook arrival to the first successful CRM upsert, per routed event (sampled)" }),
    timeToFirstOutcomeMs: percentiles.meta({ description: "Credited event's arrival to the lead's earliest outcome, per lead (sampled)" }),
    timeToFirstTouchMs: percentiles.meta({ description: "Credited event's arrival to the lead's first `contacted` or later outcome, per lead (sampled)" }),
    sla: z
      .object({
        clocks: z.number().int().meta({
          description: "SLA clocks: per route, arm and source one per routed event whose route has an SLA; per owner one per owner held to it (sampled)",
        }),
        met: z.number().int().meta({ description: "The outcome came in time" }),
        missed: z.number().int().meta({ description: "The deadline passed (per route, arm and source: at least once)" }),
        running: z.number().int(),
        metRate: rate.meta({ description: "met / (met + missed) (0–1); null when none has ended" }),
      })
      .openapi("SlaKpis"),
    deliveries: z.object({
      settled: z.number().int().meta({ description: "Succeeded, failed or dead" }),
      failed: z.number().int().meta({ description: "Failed or dead" }),
      pending: z.number().int(),
      errorRate: rate.meta({ description: "failed / settled (0–1); null when nothing is settled" }),
    }),
  })
  .openapi("GroupKpis");

const kpis = z
  .object({
    sampledEvents: z
      .number()
      .int()
      .meta({ description: `Routed events the time figures come from: the newest ${kpiSampleSize.toLocaleString("en-US")} of the window` }),
    byRoute: z.record(z.string(), groupKpis),
    byArm: z.record(z.string(), z.record(z.string(), groupKpis)).meta({ description: "Experiment (the split route's id) → arm → figures" }),
    byOwner: z.record(z.string(), groupKpis).meta({ description: "Owner id; leads without one under `unassigned`" }),
    bySource: z.record(z.string(), groupKpis),
  })
  .openapi("Kpis");

const comparison = z
  .object({
    difference: rate.meta({ description: "Arm rate minus control rate; null when either has no leads" }),
    z: z.number().nullable(),
    pValue: z.number().nullable().meta({ description: "Two-sided, two-proportion z-test with pooled standard error; null without enough data" }),
    significant: z.boolean().meta({ description: "pValue < 0.05" }),
    enoughData: z.boolean().meta({ description: "Both arms have at least 5 leads with and 5 without the outcome" }),
    verdict: z.string().meta({ description: "The comparison in plain words" }),
  })
  .openapi("ArmComparison");

const experiments = z
  .array(
    z
      .object({
        experiment: z.string().meta({ description: "The split route's id" }),
        configured: z.boolean().meta({ description: "Whether the current configuration still splits this route" }),
        control: z.string().meta({ description: "The first arm in the configuration (alphabetical when not configured)" }),
        arms: z.array(
          z.object({
            arm: z.string(),
            control: z.boolean(),
            leads: z.number().int(),
            outcomes: perOutcomeSchema(
              z
                .object({
                  leads: z.number().int(),
                  rate,
                  vsControl: comparison.nullable().meta({ description: "Null for the control itself" }),
                })
                .openapi("ArmOutcome"),
            ),
          }),
        ),
      })
      .openapi("Experiment"),
  )
  .meta({ description: "Every experiment with leads in the window or configured now, arms side by side against the control" });

const storage = z
  .object({
    sizeBytes: z.number().int().nullable().meta({ description: "The D1 database's size now, as D1 reports it (`meta.size_after`); null if it does not" }),
    capBytes: z.number().int().meta({ description: "D1's cap per database: 10 GB" }),
    usedRatio: z.number().nullable().meta({ description: "sizeBytes / capBytes (0–1); the cron alerts at 0.8" }),
    growthBytesPerDay: z.number().int().nullable().meta({
      description:
        "Size now minus the oldest daily snapshot of the last 7 days, per day; before a snapshot is a day old, bytes per stored event × events of the last 24 h",
    }),
    growthMethod: z.enum(["snapshots", "events"]).nullable().meta({ description: "Which of the two gave growthBytesPerDay; null: no figure yet" }),
    daysUntilFull: z.number().nullable().meta({ description: "Days until capBytes at growthBytesPerDay; null when not growing" }),
  })
  .openapi("StorageStats");

const stats = createRoute({
  operationId: "getStats",
  method: "get",
  path: "/v1/stats",
  tags: ["Stats"],
  security: [{ bearerAuth: [] }],
  summary: "Counts and latencies over a time window (default: the last 24 hours)",
  description:
    "Events by status, source and route; attempts by destination with their outcomes; latency percentiles (one destination call, and webhook arrival to successful call) over the newest 5,000 successful attempts; dead letters. Index range scans only, cheap enough to poll. `kpis`: leads, conversion to each outcome, time from webhook to CRM, time to first outcome, time to first touch, SLA met % and delivery error rate per route, experiment arm, owner and source, for leads routed in the window; `experiments`: each experiment's arms side by side with a two-proportion test against the control. Definitions: docs/kpis.md. `storage`: the D1 database's size now, its growth per day and the days until the 10 GB cap (docs/monitoring.md).",
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
              kpis,
              experiments,
              storage,
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
    const db = createDb(c.env.DB);
    // The configured routes give the experiments' arm order (the control is the first
    // arm); with the configuration unreadable, arms are compared in alphabetical order.
    const [figures, report, stored] = await Promise.all([
      eventStats(db, since, until),
      currentDocumentOrNone(c.env, c.get("requestId"), "stats: configuration unreadable, experiment arms in alphabetical order").then((document) =>
        kpiReport(db, since, until, document?.routes ?? []),
      ),
      storageReport(c.env.DB),
    ]);
    return c.json({ window: { since: new Date(since).toISOString(), until: new Date(until).toISOString() }, ...figures, ...report, storage: stored }, 200);
  });
  return app;
}
