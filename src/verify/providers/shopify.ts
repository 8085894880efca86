import { digestMatches, hmac, matchingSecretIndex } from "../crypto";
import { defineVerifier, verified } from "../outcome";
import type { Verifier, VerifyInput, VerifyOutcome } from "../types";

const SIGNATURE_HEADER = "x-shopify-hmac-sha256";

async function verifyShopify({ rawBody, headers, source }: VerifyInput): Promise<VerifyOutcome> {
  const header = headers.get(SIGNATURE_HEADER);
  if (header === null) {
    return { ok: false, code: "signature_missing", detail: "The X-Shopify-Hmac-Sha256 header is missing." };
  }
  const secretIndex = await matchingSecretIndex(source.secrets, async (secret) => digestMatches(await hmac("SHA-256", secret, rawBody), header, "base64"));
  if (secretIndex === undefined) {
    return { ok: false, code: "signature_invalid", detail: "The signature does not match any configured secret." };
  }
  // The webhook id identifies one delivery (stable across Shopify's retries), but only the
  // body is signed, so it is kept for tracing and dedup goes by body hash.
  const deliveryId = headers.get("x-shopify-webhook-id") || headers.get("x-shopify-event-id");
  return verified({ unsignedDeliveryId: deliveryId, secretIndex });
}

/**
 * Shopify webhooks (https://shopify.dev/docs/apps/build/webhooks/subscribe/https#step-5-verify-the-webhook):
 * `X-Shopify-Hmac-Sha256` is the base64 HMAC-SHA256 of the raw body keyed with the app's
 * client secret (or the store's webhook signing secret). The delivery id is
 * `X-Shopify-Webhook-Id`, else `X-Shopify-Event-Id`.
 */
export const shopifyVerifier: Verifier = defineVerifier({
  provider: "shopify",
  bodyFormat: "json",
  secretName: "client secret",
  verify: verifyShopify,
});
