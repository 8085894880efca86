import { z } from "zod";
import { createFakeApp, createState, jsonResponse } from "./common";

/**
 * A receiver for forwarded events that checks Standard Webhooks signatures the way
 * the spec's reference libraries do, written here without any gateway code, so a
 * passing check means any Standard Webhooks library would accept the delivery:
 * signed content `${webhook-id}.${webhook-timestamp}.${body}`, HMAC-SHA256 keyed with
 * the base64 bytes after `whsec_`, `webhook-signature` a space-separated list of
 * `v1,<base64>`, timestamp within `toleranceSeconds` of now.
 * https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
 * 200 `{ received: true }` when valid (a repeated webhook-id is recorded as a
 * duplicate and still acknowledged), 401 `{ error }` otherwise.
 */
export const receiverFakeOptionsSchema = z.object({
  secret: z.string().default(`whsec_${btoa("switchboard-receiver-secret-0123")}`),
  toleranceSeconds: z.number().int().positive().default(300),
  path: z.string().startsWith("/").default("/hooks/switchboard"),
});
export type ReceiverFakeOptions = z.input<typeof receiverFakeOptionsSchema>;

export interface ReceivedDelivery {
  webhookId: string;
  timestamp: number;
  verified: boolean;
  reason?: string;
  duplicate: boolean;
  body: string;
  headers: Record<string, string>;
}

export function createReceiverFake(input: ReceiverFakeOptions = {}) {
  const options = receiverFakeOptionsSchema.parse(input);
  const state = createState("receiver", () => [] as ReceivedDelivery[]);
  const app = createFakeApp(
    state,
    { error: (status) => ({ body: JSON.stringify({ error: `receiver fake answered ${status}` }), contentType: "application/json" }) },
    (records) => records,
  );

  app.post(options.path, async (c) => {
    const body = await c.req.text();
    const id = c.req.header("webhook-id") ?? "";
    const timestamp = Number(c.req.header("webhook-timestamp"));
    const reason = await verify(options.secret, options.toleranceSeconds, id, c.req.header("webhook-timestamp"), c.req.header("webhook-signature"), body);
    const duplicate = state.records.some((delivery) => delivery.verified && delivery.webhookId === id);
    state.records.push({ webhookId: id, timestamp, verified: reason === undefined, ...(reason ? { reason } : {}), duplicate, body, headers: c.req.header() });
    if (reason) return jsonResponse({ error: reason }, 401);
    return jsonResponse({ received: true }, 200);
  });

  app.all("*", () => jsonResponse({ error: "not found" }, 404));
  return { app, state, options };
}

/** Undefined when the delivery is authentic, else why not. */
async function verify(
  secret: string,
  toleranceSeconds: number,
  id: string,
  timestampHeader: string | undefined,
  signatureHeader: string | undefined,
  body: string,
): Promise<string | undefined> {
  if (!id || !timestampHeader || !signatureHeader) return "missing webhook-id, webhook-timestamp or webhook-signature";
  if (!/^\d+$/.test(timestampHeader)) return "webhook-timestamp is not Unix seconds";
  if (Math.abs(Date.now() / 1000 - Number(timestampHeader)) > toleranceSeconds) return "webhook-timestamp outside tolerance";

  const keyBytes = Uint8Array.from(atob(secret.replace(/^whsec_/, "")), (char) => char.charCodeAt(0));
  const key = await crypto.subtle.importKey("raw", keyBytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${id}.${timestampHeader}.${body}`)));
  const expected = btoa(String.fromCharCode(...mac));

  const candidates = signatureHeader.split(" ").map((part) => part.split(","));
  const match = candidates.some(([version, signature]) => version === "v1" && signature !== undefined && equal(signature, expected));
  return match ? undefined : "no v1 signature matches";
}

function equal(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
