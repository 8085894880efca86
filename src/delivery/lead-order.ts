import type { Database } from "../db/client";
import { firstInLineOf } from "../db/deliveries";
import type { DeliveryRow } from "../db/schema";
import { sendMessages } from "../queue/messages";

/**
 * One lead's deliveries to one destination go one at a time, oldest first
 * (`claimDeliveries` takes only the first in line). This module keeps the queue
 * messages of the others moving: a message that came too early waits for its turn,
 * and finishing a delivery hands the turn to the next one at once.
 */

/** When another consumer holds the delivery itself: about one attempt's time. */
const heldElsewhereSeconds = 30;
/** After the first in line's next attempt: it usually hands the turn over sooner. */
const afterTurnSeconds = 30;
const maxQueueDelaySeconds = 43_200;

/**
 * Seconds to wait for each pending delivery that could not be claimed: until the
 * delivery ahead of it is due again (plus a margin), so a lead backing off for an
 * hour does not spin its later deliveries through the queue's retry budget.
 */
export async function turnDelays(db: Database, destinationId: string, waiting: readonly DeliveryRow[], nowMs: number): Promise<Map<string, number>> {
  const leadIds = waiting.flatMap((d) => (d.leadId ? [d.leadId] : []));
  const first = new Map((await firstInLineOf(db, destinationId, leadIds)).map((d) => [d.leadId, d]));
  const delays = new Map<string, number>();
  for (const row of waiting) {
    const ahead = row.leadId ? first.get(row.leadId) : undefined;
    if (!ahead || ahead.id === row.id) {
      delays.set(row.id, heldElsewhereSeconds);
      continue;
    }
    const dueIn = Math.max(0, Math.ceil((ahead.nextAttemptAt - nowMs) / 1000));
    delays.set(row.id, Math.min(maxQueueDelaySeconds, dueIn + afterTurnSeconds));
  }
  return delays;
}

/**
 * After attempts on these leads: sends a message for each lead's next delivery that
 * is now first in line, due and free, so it does not wait out the delay its own
 * message was given. A duplicate message is harmless (the claim is a compare-and-set).
 */
export async function handOverTurns(db: Database, queue: Queue, destinationId: string, leadIds: readonly string[], nowMs: number): Promise<void> {
  const next = (await firstInLineOf(db, destinationId, leadIds)).filter((d) => d.nextAttemptAt <= nowMs && (d.leaseUntil === null || d.leaseUntil < nowMs));
  await sendMessages(
    queue,
    next.map((d) => ({ deliveryId: d.id, eventId: d.eventId, destinationId: d.destinationId })),
  );
}
