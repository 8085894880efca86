import { createDb } from "../db/client";
import { transitionEvents } from "../db/events";
import { errorMessage, log } from "../lib/log";
import { type RoutingMessage, routingMessageSchema } from "./messages";

/**
 * The routing queue's consumer. For now it takes delivery of events (queued →
 * received) in one D1 round trip per batch; routing builds on this. Idempotent: a
 * redelivered message finds its event past `queued` and changes nothing.
 */
export async function handleRoutingBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const valid: { message: Message<unknown>; body: RoutingMessage }[] = [];
  for (const message of batch.messages) {
    const parsed = routingMessageSchema.safeParse(message.body);
    if (parsed.success) valid.push({ message, body: parsed.data });
    else {
      // A message we cannot read will never become readable: drop it loudly.
      log("error", "malformed routing message dropped", { messageId: message.id, error: parsed.error.message });
      message.ack();
    }
  }
  if (valid.length === 0) return;
  try {
    await transitionEvents(
      createDb(env.DB),
      valid.map((v) => v.body.eventId),
      "queued",
      "received",
    );
    for (const { message } of valid) message.ack();
  } catch (error) {
    log("error", "routing batch failed; retrying", { size: valid.length, error: errorMessage(error) });
    for (const { message } of valid) message.retry({ delaySeconds: Math.min(60, 2 ** message.attempts) });
  }
}
