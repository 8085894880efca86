import { refreshConfig } from "../config/store";
import type { Database } from "../db/client";
import { findStalledDeliveries, touchDeliveries } from "../db/deliveries";
import { findStuckEvents, touchEvents } from "../db/events";
import { inboxNamesOf } from "../ingest/shard";
import { errorMessage, log } from "../lib/log";
import { sendMessages, sendRoutingMessages } from "./messages";

/** Default for the var SWEEP_AFTER_SECONDS: how long before queued work counts as lost. */
export const stuckAfterMs = 5 * 60_000;
const maxResendPerRun = 1_000;

/**
 * The scheduled safety net ("the sweeper" in log lines and docs). It nudges every source's inbox (rows whose alarm was
 * lost get flushed), re-sends routing messages for events that stayed `queued` too
 * long, and delivery messages for pending deliveries nobody has touched for as
 * long. Resending is safe: both consumers are idempotent.
 */
export async function resendStuckWork(env: Env, db: Database, nowMs = Date.now()): Promise<{ nudged: number; resent: number; redelivered: number }> {
  const config = await refreshConfig(env, 0);
  const nudges = await Promise.allSettled([...config.sources.values()].flatMap(inboxNamesOf).map((name) => env.SOURCE_INBOX.getByName(name).nudge()));
  for (const result of nudges) {
    if (result.status === "rejected") log("warn", "sweeper could not nudge an inbox", { error: errorMessage(result.reason) });
  }

  const afterMs = Number(env.SWEEP_AFTER_SECONDS) * 1000 || stuckAfterMs;
  const stuck = await findStuckEvents(db, nowMs - afterMs, maxResendPerRun);
  if (stuck.length > 0) {
    await sendRoutingMessages(
      env.ROUTING_QUEUE,
      stuck.map((e) => ({ eventId: e.id, sourceId: e.sourceId })),
    );
    await touchEvents(
      db,
      stuck.map((e) => e.id),
      nowMs,
    );
    log("warn", "sweeper re-sent stuck events", { count: stuck.length });
  }

  const stalled = await findStalledDeliveries(db, nowMs - afterMs, maxResendPerRun);
  if (stalled.length > 0) {
    await sendMessages(
      env.DELIVERY_QUEUE,
      stalled.map((d) => ({ deliveryId: d.id, eventId: d.eventId, destinationId: d.destinationId })),
    );
    await touchDeliveries(
      db,
      stalled.map((d) => d.id),
      nowMs,
    );
    log("warn", "sweeper re-sent stalled deliveries", { count: stalled.length });
  }
  return { nudged: nudges.length, resent: stuck.length, redelivered: stalled.length };
}
