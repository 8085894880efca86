import { anyDigestMatches, concatBytes, hmac, jsonStringField, matchingSecretIndex, utf8 } from "../crypto";
import { parseHeaderParams, type TimestampedSignatures } from "../header-params";
import { defineVerifier, toleranceFailure, UNIX_SECONDS, verified } from "../outcome";
import type { Verifier, VerifyInput, VerifyOutcome } from "../types";

const SIGNATURE_HEADER = "paddle-signature";
const HEX = /^[0-9a-fA-F]+$/;

/**
 * `ts=<unix>;h1=<hex>[;h1=<hex>…]`: Paddle sends one h1 per active secret while a
 * key is being rotated, so every h1 is kept. An item that is not `key=value`, a second
 * `ts` or an h1 that is not hex refuses the header; unknown keys (e.g. a future `h2`)
 * are skipped.
 */
function parseHeader(header: string): TimestampedSignatures | undefined {
  const params = parseHeaderParams(header, ";");
  const timestamp = params.single("ts");
  const signatures = params.all("h1");
  if (params.malformed || timestamp === undefined || !UNIX_SECONDS.test(timestamp)) return undefined;
  if (signatures.length === 0 || !signatures.every((signature) => HEX.test(signature))) return undefined;
  return { timestamp, signatures };
}

async function verifyPaddle({ rawBody, headers, source, nowSeconds }: VerifyInput): Promise<VerifyOutcome> {
  const header = headers.get(SIGNATURE_HEADER);
  if (header === null) {
    return { ok: false, code: "signature_missing", detail: "The Paddle-Signature header is missing." };
  }
  const parsed = parseHeader(header);
  if (parsed === undefined) {
    return {
      ok: false,
      code: "signature_invalid",
      detail: "The Paddle-Signature header is not of the form ts=<unix>;h1=<hex>.",
    };
  }
  const signedPayload = concatBytes(utf8(`${parsed.timestamp}:`), rawBody);
  // The whole secret string (pdl_ntfset_…) is the HMAC key, as Paddle's SDKs use it.
  const secretIndex = await matchingSecretIndex(source.secrets, async (secret) =>
    anyDigestMatches(await hmac("SHA-256", secret, signedPayload), parsed.signatures, "hex"),
  );
  if (secretIndex === undefined) {
    return { ok: false, code: "signature_invalid", detail: "The signature does not match any configured secret key." };
  }
  const signedAt = Number(parsed.timestamp);
  const outOfTolerance = toleranceFailure(signedAt, { nowSeconds, source });
  if (outOfTolerance) return outOfTolerance;
  // Paddle recommends `event_id` for idempotency; `notification_id` is the fallback.
  const deliveryId = jsonStringField(rawBody, "event_id") ?? jsonStringField(rawBody, "notification_id");
  return verified({ deliveryId, signedAt, secretIndex });
}

/**
 * Paddle Billing webhook signatures, as documented at
 * https://developer.paddle.com/webhooks/about/signature-verification and implemented in
 * PaddleHQ/paddle-node-sdk (src/notifications/helpers/webhooks-validator.ts):
 * `Paddle-Signature: ts=<unix seconds>;h1=<hex>` where h1 is
 * HMAC-SHA256(endpoint secret key, `${ts}:${raw body}`). The SDK allows 5 s of
 * staleness; here the source's `toleranceSeconds` applies, in both directions.
 */
export const paddleVerifier: Verifier = defineVerifier({
  provider: "paddle",
  bodyFormat: "json",
  secretName: "endpoint secret key",
  verify: verifyPaddle,
});
