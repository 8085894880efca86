import { type ActiveConfig, loadConfig } from "../config/store";
import { createServices } from "../context";
import type { Database } from "../db/client";
import { killDeliveries, settleEventsStatement } from "../db/deliveries";
import { markEventDead } from "../db/events";
import { errorMessage, log } from "../lib/log";
import { retryDelaySeconds } from "../lib/retry-delay";
import { type DeadLetter, deadLetterSchema } from "../queue/messages";
import { type Alert, sendAlert } from "./alert";

/**
 * The dead-letter queue's consumer: messages the platform gave up on (after the
 * queue's max_retries) and deliveries we ended ourselves (out of attempts, or
 * refused for good by the destination, with a reason). It makes D1 say so — the delivery `dead`, the event settled — and tells
 * the alert destination. Idempotent: killing a dead delivery changes nothing.
 *
 * Each letter stands alone: one that D1 refuses is retried by itself, and an alert
 * that fails does not hold the letter back (it is best effort). D1 needs no
 * configuration, so letters are recorded even when it cannot be read (a wrong
 * `CONFIG_KEY`); only their alerts wait, retried with backoff until it can.
 */
export async function handleDeadLetters(batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext): Promise<void> {
  let config: ActiveConfig | undefined;
  try {
    config = await loadConfig(env, (p) => ctx.waitUntil(p));
  } catch (error) {
    log("error", "configuration not readable; dead letters recorded, alerts retried", { count: batch.messages.length, error: errorMessage(error) });
  }
  const { db } = createServices(env);
  for (const message of batch.messages) {
    const parsed = deadLetterSchema.safeParse(message.body);
    if (!parsed.success) {
      log("error", "malformed dead letter dropped", { messageId: message.id });
      message.ack();
      continue;
    }
    let alert: Alert;
    try {
      alert = await bury(db, parsed.data);
    } catch (error) {
      log("error", "dead letter not recorded; retrying", { messageId: message.id, error: errorMessage(error) });
      message.retry({ delaySeconds: 30 });
      continue;
    }
    if (!config) {
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
      continue;
    }
    await sendAlert(env, config, alert);
    message.ack();
  }
}

/** Records the letter in D1; returns the alert that tells the operator. */
async function bury(db: Database, letter: DeadLetter): Promise<Alert> {
  const now = Date.now();
  if ("deliveryId" in letter) {
    const reason = letter.reason ?? "The deliveries queue gave up on this delivery after its retries.";
    await killDeliveries(db, [letter.deliveryId], reason, now);
    await settleEventsStatement(db, [letter.eventId], now);
    log("error", "dead letter", { eventId: letter.eventId, deliveryId: letter.deliveryId, destinationId: letter.destinationId, reason });
    return {
      title: "refused" in letter && letter.refused ? `Delivery to ${letter.destinationId} was refused` : `Delivery to ${letter.destinationId} is dead`,
      eventId: letter.eventId,
      detail: reason,
    };
  }
  const reason = letter.reason ?? "Routing failed on every retry.";
  await markEventDead(db, letter.eventId, reason, now);
  log("error", "dead letter", { eventId: letter.eventId, sourceId: letter.sourceId, reason });
  return { title: `Routing of an event from ${letter.sourceId} is dead`, eventId: letter.eventId, detail: reason };
}
