import { errorMessage, log } from "./log";

/**
 * Data points for the Workers Analytics Engine dataset bound as `ANALYTICS`
 * (wrangler.toml), one per routed event and one per delivery attempt, to query
 * with SQL over months (docs/monitoring.md has the columns and example queries).
 * Writes do not block and cost the request nothing to wait for. The binding is
 * optional: without it (a deployment that left it out) nothing is written, and a
 * refused data point is logged, never thrown, so analytics can never fail routing
 * or a delivery. The platform takes at most 250 data points per invocation; a queue
 * batch holds at most 100 messages.
 */
export interface AnalyticsEnv {
  ANALYTICS?: AnalyticsEngineDataset;
}

/** The first blob of every data point: which kind of record the row is. */
export type AnalyticsKind = "event" | "attempt";

function write(env: AnalyticsEnv, kind: AnalyticsKind, index: string, blobs: string[], doubles: number[]): void {
  const dataset = env.ANALYTICS;
  if (!dataset) return;
  try {
    // An index is at most 96 bytes; ids here are far shorter, this only guards it.
    dataset.writeDataPoint({ indexes: [index.slice(0, 96)], blobs: [kind, ...blobs], doubles });
  } catch (error) {
    log("warn", "analytics data point refused", { kind, error: errorMessage(error) });
  }
}

export interface EventPoint {
  eventId: string;
  sourceId: string;
  status: string;
  routeId?: string | undefined;
  ownerId?: string | undefined;
  arm?: string | undefined;
  deliveries: number;
}

/**
 * A routed (or unmatched, or invalid) event. Sampled by source.
 * blob1 `event`, blob2 source, blob3 status, blob4 route, blob5 owner, blob6 arm,
 * blob7 event id; double1 1 (a count that survives sampling as `_sample_interval`),
 * double2 deliveries planned.
 */
export function writeEventPoint(env: AnalyticsEnv, e: EventPoint): void {
  write(env, "event", e.sourceId, [e.sourceId, e.status, e.routeId ?? "", e.ownerId ?? "", e.arm ?? "", e.eventId], [1, e.deliveries]);
}

export interface AttemptPoint {
  deliveryId: string;
  eventId: string;
  destinationId: string;
  /** succeeded, retryable, failed (refused), dead (out of attempts). */
  outcome: string;
  httpStatus?: number | undefined;
  attempt: number;
  latencyMs: number;
}

/**
 * One call to a destination. Sampled by destination.
 * blob1 `attempt`, blob2 destination, blob3 outcome, blob4 HTTP status (empty
 * without an answer), blob5 event id, blob6 delivery id; double1 1, double2 the
 * call's latency in ms, double3 the attempt number.
 */
export function writeAttemptPoint(env: AnalyticsEnv, a: AttemptPoint): void {
  write(
    env,
    "attempt",
    a.destinationId,
    [a.destinationId, a.outcome, a.httpStatus === undefined ? "" : String(a.httpStatus), a.eventId, a.deliveryId],
    [1, a.latencyMs, a.attempt],
  );
}
