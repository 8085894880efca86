import { digestMatches, hmac, jsonField, matchingSecretIndex } from "../crypto";
import { defineVerifier, toleranceFailureMs, verified } from "../outcome";
import type { Verifier, VerifyInput, VerifyOutcome } from "../types";

const SIGNATURE_HEADER = "linear-signature";
const DELIVERY_HEADER = "linear-delivery";
const HEX = /^[0-9a-fA-F]+$/;

/** `webhookTimestamp` in milliseconds, read only after the signature matched. */
function webhookTimestampFrom(rawBody: Uint8Array): number | undefined {
  const value = jsonField(rawBody, "webhookTimestamp");
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : undefined;
}

async function verifyLinear({ rawBody, headers, source, nowSeconds }: VerifyInput): Promise<VerifyOutcome> {
  const header = headers.get(SIGNATURE_HEADER);
  if (header === null) {
    return { ok: false, code: "signature_missing", detail: "The Linear-Signature header is missing." };
  }
  if (!HEX.test(header)) {
    return { ok: false, code: "signature_invalid", detail: "The Linear-Signature header is not a hex digest." };
  }
  const secretIndex = await matchingSecretIndex(source.secrets, async (secret) => digestMatches(await hmac("SHA-256", secret, rawBody), header, "hex"));
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
  const outOfTolerance = toleranceFailureMs(timestampMs, { nowSeconds, source });
  if (outOfTolerance) return outOfTolerance;
  return verified({
    // Linear signs the body alone: the Linear-Delivery header is for tracing only.
    unsignedDeliveryId: headers.get(DELIVERY_HEADER),
    signedAt: Math.floor(timestampMs / 1000),
    secretIndex,
  });
}

/**
 * Linear webhooks, as documented at https://linear.app/developers/webhooks (securing
 * webhooks) and implemented in linear/linear packages/sdk/src/webhooks/client.ts:
 * `Linear-Signature` is hex HMAC-SHA256(signing secret, raw body); the body's
 * `webhookTimestamp` (Unix milliseconds) must be close to now (Linear suggests 60 s;
 * the source's `toleranceSeconds` applies); `Linear-Delivery` is the delivery id.
 */
export const linearVerifier: Verifier = defineVerifier({
  provider: "linear",
  bodyFormat: "json",
  secretName: "webhook signing secret",
  verify: verifyLinear,
});
