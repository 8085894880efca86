import { z } from "zod";

/**
 * Queue messages carry ids, never bodies (a message is at most 128 KB; bodies and
 * payloads are in D1). Producers and consumers share these schemas.
 */
export const routingMessageSchema = z.object({
  eventId: z.string().startsWith("evt_"),
  sourceId: z.string().min(1),
});
export type RoutingMessage = z.infer<typeof routingMessageSchema>;

export const deliveryMessageSchema = z.object({
  deliveryId: z.string().min(1),
  eventId: z.string().startsWith("evt_"),
  destinationId: z.string().min(1),
});
export type DeliveryMessage = z.infer<typeof deliveryMessageSchema>;

/** What reaches the dead-letter queue: either kind, with a reason when we sent it ourselves. */
export const deadLetterSchema = z.union([
  /** `refused`: the destination refused the delivery for good (rather than out of attempts). */
  deliveryMessageSchema.extend({ reason: z.string().optional(), refused: z.boolean().optional() }),
  routingMessageSchema.extend({ reason: z.string().optional() }),
]);
export type DeadLetter = z.infer<typeof deadLetterSchema>;

/** Queue names as in wrangler.toml; a consumer learns which queue a batch is from. */
export const queueNames = {
  routing: "switchboard-routing",
  deliveries: "switchboard-deliveries",
  deadLetters: "switchboard-dead-letters",
} as const;

/** `sendBatch` takes at most 100 messages per call. */
export const maxMessagesPerSend = 100;

export async function sendMessages<T>(queue: Queue, messages: T[], delaySeconds?: number): Promise<void> {
  for (let i = 0; i < messages.length; i += maxMessagesPerSend) {
    await queue.sendBatch(
      messages.slice(i, i + maxMessagesPerSend).map((body) => ({ body, contentType: "json" as const })),
      delaySeconds ? { delaySeconds } : undefined,
    );
  }
}

export function sendRoutingMessages(queue: Queue, messages: RoutingMessage[]): Promise<void> {
  return sendMessages(queue, messages);
}
