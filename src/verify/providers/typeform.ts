import { digestMatches, hmac, jsonStringField, matchingSecretIndex, utf8 } from "../crypto";
import type { Verifier, VerifyInput, VerifyOutcome } from "../types";

const SIGNATURE_HEADER = "typeform-signature";
const PREFIX = "sha256=";

async function verifyTypeform({ rawBody, headers, source }: VerifyInput): Promise<VerifyOutcome> {
  if (source.secrets.length === 0) {
    return { ok: false, code: "signature_invalid", detail: "The source has no webhook secret configured." };
  }
  const header = headers.get(SIGNATURE_HEADER);
  if (header === null) {
    return { ok: false, code: "signature_missing", detail: "The Typeform-Signature header is missing." };
  }
  if (!header.startsWith(PREFIX)) {
    return { ok: false, code: "signature_invalid", detail: "The Typeform-Signature header does not start with sha256=." };
  }
  const candidate = header.slice(PREFIX.length);
  const secretIndex = await matchingSecretIndex(source.secrets, async (secret) =>
    digestMatches(await hmac("SHA-256", utf8(secret), rawBody), candidate, "base64"),
  );
  if (secretIndex === undefined) {
    return { ok: false, code: "signature_invalid", detail: "The signature does not match any configured secret." };
  }
  const deliveryId = jsonStringField(rawBody, "event_id");
  return deliveryId === undefined ? { ok: true, secretIndex } : { ok: true, deliveryId, secretIndex };
}

/**
 * Typeform webhooks (https://www.typeform.com/developers/webhooks/secure-your-webhooks/):
 * `Typeform-Signature: sha256=<base64 HMAC-SHA256(secret, raw body)>`; no timestamp.
 * The delivery id is the body's `event_id`.
 */
export const typeformVerifier: Verifier = {
  provider: "typeform",
  bodyFormat: "json",
  async verify(input) {
    try {
      return await verifyTypeform(input);
    } catch {
      return { ok: false, code: "signature_invalid", detail: "The signature could not be verified." };
    }
  },
};
