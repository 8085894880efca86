import { anyDigestMatches, concatBytes, hmac, matchingSecretIndex, utf8 } from "../crypto";
import { parseHeaderParams, type TimestampedSignatures } from "../header-params";
import { defineVerifier, toleranceFailure, UNIX_SECONDS, verified } from "../outcome";
import type { Verifier, VerifyInput, VerifyOutcome } from "../types";

const SIGNATURE_HEADER = "calendly-webhook-signature";
const HEX = /^[0-9a-fA-F]+$/;

/**
 * `t=<unix>,v1=<hex>`, strictly: an item that is not `key=value`, a second `t` or a
 * `v1` that is not hex refuses the header. Unknown keys are skipped so a future `v2`
 * does not break parsing.
 */
function parseHeader(header: string): TimestampedSignatures | undefined {
  const params = parseHeaderParams(header, ",");
  const timestamp = params.single("t");
  const signatures = params.all("v1");
  if (params.malformed || timestamp === undefined || !UNIX_SECONDS.test(timestamp)) return undefined;
  if (signatures.length === 0 || !signatures.every((signature) => HEX.test(signature))) return undefined;
  return { timestamp, signatures };
}

async function verifyCalendly({ rawBody, headers, source, nowSeconds }: VerifyInput): Promise<VerifyOutcome> {
  const header = headers.get(SIGNATURE_HEADER);
  if (header === null) {
    return { ok: false, code: "signature_missing", detail: "The Calendly-Webhook-Signature header is missing." };
  }
  const parsed = parseHeader(header);
  if (parsed === undefined) {
    return {
      ok: false,
      code: "signature_invalid",
      detail: "The Calendly-Webhook-Signature header is not of the form t=<unix>,v1=<hex>.",
    };
  }
  const signedPayload = concatBytes(utf8(`${parsed.timestamp}.`), rawBody);
  const secretIndex = await matchingSecretIndex(source.secrets, async (secret) =>
    anyDigestMatches(await hmac("SHA-256", secret, signedPayload), parsed.signatures, "hex"),
  );
  if (secretIndex === undefined) {
    return { ok: false, code: "signature_invalid", detail: "The signature does not match any configured signing key." };
  }
  const signedAt = Number(parsed.timestamp);
  const outOfTolerance = toleranceFailure(signedAt, { nowSeconds, source });
  if (outOfTolerance) return outOfTolerance;
  return verified({ signedAt, secretIndex });
}

/**
 * Calendly webhook signatures, as documented at
 * https://developer.calendly.com/api-docs/overview/webhooks/webhook-signatures:
 * `Calendly-Webhook-Signature: t=<unix seconds>,v1=<hex>` where v1 is
 * HMAC-SHA256(signing key, `${t}.${raw body}`). Calendly sends no delivery id.
 */
export const calendlyVerifier: Verifier = defineVerifier({
  provider: "calendly",
  bodyFormat: "json",
  secretName: "webhook signing key",
  verify: verifyCalendly,
});
