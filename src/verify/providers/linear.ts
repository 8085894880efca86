import { digestMatches, hmac, utf8 } from "../crypto";
import type { Verifier, VerifyInput, VerifyOutcome } from "../types";

const SIGNATURE_HEADER = "linear-signature";
const DELIVERY_HEADER = "linear-delivery";
const HEX = /^[0-9a-fA-F]+$/;

/** `webhookTimestamp` in milliseconds, read only after the signature matched. */
function webhookTimestampFrom(rawBody: Uint8Array): number | undefined {
  try {
    const body: unknown = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(rawBody));
    if (typeof body !== "object" || body === null) return undefined;
    const value: unknown = Reflect.get(body, "webhookTimestamp");
    return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : undefined;
  } catch {
    return undefined;
  }
}

async function verifyLinear({ rawBody, headers, source, nowSeconds }: VerifyInput): Promise<VerifyOutcome> {
  if (source.secrets.length === 0) {
    return { ok: false, code: "signature_invalid", detail: "The source has no webhook signing secret configured." };
  }
  const header = headers.get(SIGNATURE_HEADER);
  if (header === null) {
    return { ok: false, code: "signature_missing", detail: "The Linear-Signature header is missing." };
  }
  if (!HEX.test(header)) {
    return { ok: false, code: "signature_invalid", detail: "The Linear-Signature header is not a hex digest." };
  }
  let secretIndex: number | undefined;
  for (const [index, secret] of source.secrets.entries()) {
    const expected = await hmac("SHA-256", utf8(secret), rawBody);
    if (digestMatches(expected, header, "hex") && secretIndex === undefined) secretIndex = index;
  }
  if (secretIndex === undefined) {
    return { ok: false, code: "signature_invalid", detail: "The signature does not match any configured signing secret." };
  }
  // Linear puts its replay-protection timestamp inside the signed body, so the
  // check is only as good as the body: without it a captured delivery replays forever.
  const timestampMs = webhookTimestampFrom(rawBody);
  if (timestampMs === undefined) {
    return {
      ok: false,
      code: "signature_invalid",
      detail: "The signed body has no numeric webhookTimestamp to check for replay.",
    };
  }
  const skewMs = Math.abs(nowSeconds * 1000 - timestampMs);
  if (skewMs > source.toleranceSeconds * 1000) {
    return {
      ok: false,
      code: "timestamp_out_of_tolerance",
      detail: `The webhookTimestamp is ${Math.round(skewMs / 1000)} s from now, beyond the ${source.toleranceSeconds} s tolerance.`,
    };
  }
  const signedAt = Math.floor(timestampMs / 1000);
  const deliveryId = headers.get(DELIVERY_HEADER);
  return deliveryId ? { ok: true, deliveryId, signedAt, secretIndex } : { ok: true, signedAt, secretIndex };
}

/**
 * Linear webhooks, as documented at https://linear.app/developers/webhooks (securing
 * webhooks) and implemented in linear/linear packages/sdk/src/webhooks/client.ts:
 * `Linear-Signature` is hex HMAC-SHA256(signing secret, raw body); the body's
 * `webhookTimestamp` (Unix milliseconds) must be close to now (Linear suggests 60 s;
 * the source's `toleranceSeconds` applies); `Linear-Delivery` is the delivery id.
 */
export const linearVerifier: Verifier = {
  provider: "linear",
  bodyFormat: "json",
  async verify(input) {
    try {
      return await verifyLinear(input);
    } catch {
      return { ok: false, code: "signature_invalid", detail: "The signature could not be verified." };
    }
  },
};
