import { type ActiveConfig, loadConfig } from "../config/store";
import { createDb } from "../db/client";
import { killDeliveries, settleEventsStatement } from "../db/deliveries";
import { markEventDead } from "../db/events";
import { errorMessage, log } from "../lib/log";
import { type DeadLetter, deadLetterSchema } from "../queue/messages";
import { sendAlert } from "./alert";

/**
 * The dead-letter queue's consumer: messages the platform gave up on (after the
 * queue's max_retries) and deliveries we ended ourselves (out of attempts, or
 * refused for good by the destination, with a reason). It makes D1 say so — the delivery `dead`, the event settled — and tells
 * the alert destination. Idempotent: killing a dead delivery changes nothing.
 */
export async function handleDeadLetters(batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext): Promise<void> {
  const config = await loadConfig(env, (p) => ctx.waitUntil(p));
  for (const message of batch.messages) {
    const parsed = deadLetterSchema.safeParse(message.body);
    if (!parsed.success) {
      log("error", "malformed dead letter dropped", { messageId: message.id });
      message.ack();
      continue;
    }
    try {
      await bury(env, config, parsed.data);
      message.ack();
    } catch (error) {
      log("error", "dead letter not recorded; retrying", { messageId: message.id, error: errorMessage(error) });
      message.retry({ delaySeconds: 30 });
    }
  }
}

async function bury(env: Env, config: ActiveConfig, letter: DeadLetter): Promise<void> {
  const db = createDb(env.DB);
  const now = Date.now();
  if ("deliveryId" in letter) {
    const reason = letter.reason ?? "The deliveries queue gave up on this delivery after its retries.";
    await killDeliveries(db, [letter.deliveryId], reason, now);
    await settleEventsStatement(db, [letter.eventId], now);
    log("error", "dead letter", { eventId: letter.eventId, deliveryId: letter.deliveryId, destinationId: letter.destinationId, reason });
    await sendAlert(env, config, {
      title: "refused" in letter && letter.refused ? `Delivery to ${letter.destinationId} was refused` : `Delivery to ${letter.destinationId} is dead`,
      eventId: letter.eventId,
      detail: reason,
    });
    return;
  }
  const reason = letter.reason ?? "Routing failed on every retry.";
  await markEventDead(db, letter.eventId, reason, now);
  log("error", "dead letter", { eventId: letter.eventId, sourceId: letter.sourceId, reason });
  await sendAlert(env, config, { title: `Routing of an event from ${letter.sourceId} is dead`, eventId: letter.eventId, detail: reason });
}
