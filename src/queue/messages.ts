import { z } from "zod";

/**
 * Routing queue messages carry ids, never bodies (a message is at most 128 KB; the
 * body is in D1). Producer and consumer share this schema.
 */
export const routingMessageSchema = z.object({
  eventId: z.string().startsWith("evt_"),
  sourceId: z.string().min(1),
});
export type RoutingMessage = z.infer<typeof routingMessageSchema>;

/** `sendBatch` takes at most 100 messages per call. */
export const maxMessagesPerSend = 100;

export async function sendRoutingMessages(queue: Queue, messages: RoutingMessage[]): Promise<void> {
  for (let i = 0; i < messages.length; i += maxMessagesPerSend) {
    await queue.sendBatch(
      messages.slice(i, i + maxMessagesPerSend).map((body) => ({ body, contentType: "json" as const })),
    );
  }
}
