import { z } from "zod";
import type { LeadDelivery } from "../connectors/types";
import type { Lead } from "../lead/schema";

const isObject = (value: unknown) => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * A delivery's payload as D1 holds it. The lead itself was checked when it was
 * decided (src/lead/normalize.ts); here only the envelope a connector reads is,
 * so one row that does not parse fails alone instead of throwing in the middle of
 * its destination's batch. Loose: fields added later pass through.
 */
const storedPayloadSchema = z.looseObject({
  deliveryId: z.string(),
  eventId: z.string(),
  sourceId: z.string(),
  routeId: z.string(),
  lead: z.custom<Lead>(isObject, "`lead` is not an object"),
  ownerId: z.string().optional(),
  fallbackOwnerId: z.string().optional(),
  properties: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  headline: z.string().optional(),
});

/** The payload to send, or why it cannot be read (the same on every try). */
export function readStoredPayload(text: string): { ok: true; payload: LeadDelivery } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `Its stored payload is not JSON (${error instanceof Error ? error.message : String(error)}).` };
  }
  const parsed = storedPayloadSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue?.path.length ? ` at ${issue.path.join(".")}` : "";
    return { ok: false, reason: `Its stored payload is not a delivery: ${issue?.message ?? "invalid"}${at}.` };
  }
  return { ok: true, payload: parsed.data };
}
