import { anyDigestMatches, concatBytes, hmac, jsonStringField, matchingSecretIndex, utf8 } from "../crypto";
import { parseHeaderParams, type TimestampedSignatures } from "../header-params";
import { defineVerifier, toleranceFailure, UNIX_SECONDS, verified } from "../outcome";
import type { Verifier, VerifyInput, VerifyOutcome } from "../types";

const SIGNATURE_HEADER = "stripe-signature";

/**
 * `t=<unix>,v1=<hex>[,v1=<hex>…][,v0=<hex>]`. Only `v1` counts: Stripe tells receivers to
 * ignore every other scheme so a forged `v0` cannot downgrade the check. Like stripe-node,
 * items that are not `key=value` and empty v1 values are skipped, not refused; only the
 * timestamp must be there exactly once.
 */
function parseHeader(header: string): TimestampedSignatures | undefined {
  const params = parseHeaderParams(header, ",");
  const timestamp = params.single("t");
  if (timestamp === undefined || !UNIX_SECONDS.test(timestamp)) return undefined;
  return { timestamp, signatures: params.all("v1").filter((signature) => signature !== "") };
}

async function verifyStripe({ rawBody, headers, source, nowSeconds }: VerifyInput): Promise<VerifyOutcome> {
  const header = headers.get(SIGNATURE_HEADER);
  if (header === null) {
    return { ok: false, code: "signature_missing", detail: "The Stripe-Signature header is missing." };
  }
  const parsed = parseHeader(header);
  if (parsed === undefined) {
    return {
      ok: false,
      code: "signature_invalid",
      detail: "The Stripe-Signature header has no single t=<unix seconds> element.",
    };
  }
  if (parsed.signatures.length === 0) {
    return { ok: false, code: "signature_invalid", detail: "The Stripe-Signature header has no v1 signature." };
  }

  const signedPayload = concatBytes(utf8(`${parsed.timestamp}.`), rawBody);
  // The whole `whsec_…` string is the HMAC key, as text.
  const secretIndex = await matchingSecretIndex(source.secrets, async (secret) =>
    anyDigestMatches(await hmac("SHA-256", secret, signedPayload), parsed.signatures, "hex"),
  );
  if (secretIndex === undefined) {
    return { ok: false, code: "signature_invalid", detail: "No v1 signature matches a configured signing secret." };
  }

  const signedAt = Number(parsed.timestamp);
  const outOfTolerance = toleranceFailure(signedAt, { nowSeconds, source });
  if (outOfTolerance) return outOfTolerance;
  return verified({ deliveryId: jsonStringField(rawBody, "id"), signedAt, secretIndex });
}

/**
 * Stripe webhook signatures (https://docs.stripe.com/webhooks#verify-manually, and
 * stripe/stripe-node src/Webhooks.ts): `Stripe-Signature: t=<unix seconds>,v1=<hex>…`,
 * v1 = HMAC-SHA256(endpoint secret as UTF-8 text, `${t}.${raw body}`); any v1 may match
 * (Stripe sends several while a secret is being rolled). The delivery id is the event `id`.
 */
export const stripeVerifier: Verifier = defineVerifier({
  provider: "stripe",
  bodyFormat: "json",
  secretName: "signing secret",
  verify: verifyStripe,
});
