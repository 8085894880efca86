import { digestMatches, hmac, matchingSecretIndex, utf8 } from "../crypto";
import type { Verifier, VerifyInput, VerifyOutcome } from "../types";

const SIGNATURE_HEADER = "x-shopify-hmac-sha256";

async function verifyShopify({ rawBody, headers, source }: VerifyInput): Promise<VerifyOutcome> {
  if (source.secrets.length === 0) {
    return { ok: false, code: "signature_invalid", detail: "The source has no client secret configured." };
  }
  const header = headers.get(SIGNATURE_HEADER);
  if (header === null) {
    return { ok: false, code: "signature_missing", detail: "The X-Shopify-Hmac-Sha256 header is missing." };
  }
  const secretIndex = await matchingSecretIndex(source.secrets, async (secret) =>
    digestMatches(await hmac("SHA-256", utf8(secret), rawBody), header, "base64"),
  );
  if (secretIndex === undefined) {
    return { ok: false, code: "signature_invalid", detail: "The signature does not match any configured secret." };
  }
  // The webhook id identifies one delivery (stable across Shopify's retries).
  const deliveryId = headers.get("x-shopify-webhook-id") || headers.get("x-shopify-event-id");
  return deliveryId ? { ok: true, deliveryId, secretIndex } : { ok: true, secretIndex };
}

/**
 * Shopify webhooks (https://shopify.dev/docs/apps/build/webhooks/subscribe/https#step-5-verify-the-webhook):
 * `X-Shopify-Hmac-Sha256` is the base64 HMAC-SHA256 of the raw body keyed with the app's
 * client secret (or the store's webhook signing secret). The delivery id is
 * `X-Shopify-Webhook-Id`, else `X-Shopify-Event-Id`.
 */
export const shopifyVerifier: Verifier = {
  provider: "shopify",
  bodyFormat: "json",
  async verify(input) {
    try {
      return await verifyShopify(input);
    } catch {
      return { ok: false, code: "signature_invalid", detail: "The signature could not be verified." };
    }
  },
};
