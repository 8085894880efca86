import { digestMatches, hmac, jsonStringField, matchingSecretIndex } from "../crypto";
import { defineVerifier, verified } from "../outcome";
import type { Verifier, VerifyInput, VerifyOutcome } from "../types";

const SIGNATURE_HEADER = "typeform-signature";
const PREFIX = "sha256=";

async function verifyTypeform({ rawBody, headers, source }: VerifyInput): Promise<VerifyOutcome> {
  const header = headers.get(SIGNATURE_HEADER);
  if (header === null) {
    return { ok: false, code: "signature_missing", detail: "The Typeform-Signature header is missing." };
  }
  if (!header.startsWith(PREFIX)) {
    return { ok: false, code: "signature_invalid", detail: "The Typeform-Signature header does not start with sha256=." };
  }
  const candidate = header.slice(PREFIX.length);
  const secretIndex = await matchingSecretIndex(source.secrets, async (secret) => digestMatches(await hmac("SHA-256", secret, rawBody), candidate, "base64"));
  if (secretIndex === undefined) {
    return { ok: false, code: "signature_invalid", detail: "The signature does not match any configured secret." };
  }
  return verified({ deliveryId: jsonStringField(rawBody, "event_id"), secretIndex });
}

/**
 * Typeform webhooks (https://www.typeform.com/developers/webhooks/secure-your-webhooks/):
 * `Typeform-Signature: sha256=<base64 HMAC-SHA256(secret, raw body)>`; no timestamp.
 * The delivery id is the body's `event_id`.
 */
export const typeformVerifier: Verifier = defineVerifier({
  provider: "typeform",
  bodyFormat: "json",
  secretName: "webhook secret",
  verify: verifyTypeform,
});
