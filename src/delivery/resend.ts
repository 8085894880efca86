import { createDb } from "../db/client";
import { settleEventsStatement } from "../db/deliveries";
import { type RetryableStatus, requeueQuery } from "../db/delivery-retry";
import { errorMessage, log } from "../lib/log";
import { type DeliveryMessage, sendMessages } from "../queue/messages";

export interface ResendGuard {
  /** Only deliveries still in one of these statuses. */
  statuses: readonly RetryableStatus[];
  /** Only deliveries unchanged since then (ms): what was re-sent once is not re-sent again. */
  asOfMs: number;
}

export interface Candidate {
  id: string;
  eventId: string;
}

/**
 * The one place that sends a delivery again (a bulk retry's step; any later
 * single-delivery retry should come here too). In one D1 transaction the
 * deliveries go back in line (src/db/delivery-retry.ts) and their events settle
 * again (`delivering`); then each gets a delivery queue message, the same message
 * routing sends, so the consumer claims, orders per lead and paces it like any
 * other. Nothing is routed again: the payload decided at routing is what is sent.
 *
 * A failed queue send loses nothing: the deliveries are pending and due, so the
 * sweeper re-sends them after SWEEP_AFTER_SECONDS. Returns those re-queued.
 */
export async function resendDeliveries(
  env: Pick<Env, "DB" | "DELIVERY_QUEUE">,
  candidates: readonly Candidate[],
  guard: ResendGuard,
  nowMs: number,
): Promise<DeliveryMessage[]> {
  if (candidates.length === 0) return [];
  const db = createDb(env.DB);
  const eventIds = [...new Set(candidates.map((c) => c.eventId))];
  const [requeued] = await db.batch([
    requeueQuery(
      db,
      candidates.map((c) => c.id),
      guard.statuses,
      guard.asOfMs,
      nowMs,
    ),
    settleEventsStatement(db, eventIds, nowMs),
  ]);
  // In the order given (RETURNING follows SQLite's own): a drain sends oldest first.
  const order = new Map(candidates.map((c, i) => [c.id, i]));
  const messages = requeued
    .map((d) => ({ deliveryId: d.id, eventId: d.eventId, destinationId: d.destinationId }))
    .sort((a, b) => (order.get(a.deliveryId) ?? 0) - (order.get(b.deliveryId) ?? 0));
  try {
    await sendMessages(env.DELIVERY_QUEUE, messages);
  } catch (error) {
    log("warn", "re-queued deliveries not sent; the sweeper will send them", { count: messages.length, error: errorMessage(error) });
  }
  return messages;
}
