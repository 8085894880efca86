import { z } from "zod";
import { outboundUrl } from "../lib/config-fields";
import { fromBase64, hmac, toBase64, utf8 } from "../verify/crypto";
import { type ConnectorOptions, defineConnector, destinationCommon, eachDelivery } from "./connector";
import { classify, permanentFailure, sendHttp } from "./http";
import type { DeliveryOutcome, LeadDelivery } from "./types";

export const httpDestinationSchema = z.object({
  ...destinationCommon,
  type: z.literal("http"),
  url: outboundUrl(),
  /** Standard Webhooks signing secret (`whsec_…`) the receiver verifies with. Write-only. */
  secret: z.string().min(1),
});
export type HttpDestination = z.infer<typeof httpDestinationSchema>;

/** Any HTTP endpoint: `forward` sends it the lead, `notify` too (it is a generic receiver). */
export const forwardConnector = defineConnector({
  schema: httpDestinationSchema,
  secrets: ["secret"],
  defaultRate: { perSecond: 50, burst: 100 },
  deliveriesPerCall: 1,
  actions: ["notify", "forward"],
  crm: false,
  label: "signed HTTP",
  target: (destination) => destination.url,
  deliver: eachDelivery(forwardDelivery),
});

/** The event type receivers see in the payload. */
export const FORWARD_EVENT_TYPE = "lead.routed";

/**
 * POSTs a routed lead to any HTTP endpoint, signed the Standard Webhooks way so the
 * receiver can check it with any Standard Webhooks library.
 *
 * Spec: https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
 * - `webhook-id`: the delivery id, stable across retries (receivers dedup on it)
 * - `webhook-timestamp`: Unix seconds of this attempt
 * - `webhook-signature`: `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, keyed
 *   with the base64-decoded secret after its `whsec_` prefix
 * - body: `{ type, timestamp, data }` as the spec recommends
 */
export async function forwardDelivery(destination: HttpDestination, delivery: LeadDelivery, options: ConnectorOptions): Promise<DeliveryOutcome> {
  const key = signingKey(destination.secret);
  if (!key) return permanentFailure("destination secret is not a Standard Webhooks secret (whsec_ + base64)");

  const now = new Date();
  const timestamp = Math.floor(now.getTime() / 1000);
  const body = JSON.stringify({ type: FORWARD_EVENT_TYPE, timestamp: now.toISOString(), data: forwardData(delivery) });
  const signature = await sign(key, delivery.deliveryId, timestamp, body);
  const result = await sendHttp(
    {
      url: destination.url,
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "Switchboard",
        "webhook-id": delivery.deliveryId,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": `v1,${signature}`,
      },
      body,
    },
    { timeoutMs: options.timeoutMs ?? destination.timeoutMs, allowHttp: options.allowHttp },
  );
  return classify(result);
}

/** What the receiver gets under `data`. */
export function forwardData(delivery: LeadDelivery) {
  return {
    deliveryId: delivery.deliveryId,
    eventId: delivery.eventId,
    sourceId: delivery.sourceId,
    routeId: delivery.routeId,
    ownerId: delivery.ownerId ?? null,
    lead: delivery.lead,
    properties: delivery.properties,
  };
}

/** The key bytes of a `whsec_…` secret; the prefix is optional, as in the reference libraries. */
export function signingKey(secret: string): Uint8Array | undefined {
  const key = fromBase64(secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret);
  return key && key.byteLength > 0 ? key : undefined;
}

export async function sign(key: Uint8Array, id: string, timestamp: number, body: string): Promise<string> {
  return toBase64(await hmac("SHA-256", key, utf8(`${id}.${timestamp}.${body}`)));
}
