import { concatBytes, digestMatches, hmac, jsonStringField, matchingSecretIndex, utf8 } from "../crypto";
import type { Verifier, VerifyInput, VerifyOutcome } from "../types";

const SIGNATURE_HEADER = "stripe-signature";
const UNIX_SECONDS = /^[0-9]{1,12}$/;

interface ParsedHeader {
  timestamp: string;
  signatures: string[];
}

/**
 * `t=<unix>,v1=<hex>[,v1=<hex>…][,v0=<hex>]`. Only `v1` counts: Stripe tells receivers to
 * ignore every other scheme so a forged `v0` cannot downgrade the check.
 */
function parseHeader(header: string): ParsedHeader | undefined {
  let timestamp: string | undefined;
  const signatures: string[] = [];
  for (const item of header.split(",")) {
    const eq = item.indexOf("=");
    if (eq <= 0) continue;
    const key = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    if (key === "t") {
      // Two timestamps would leave it ambiguous which one was signed.
      if (timestamp !== undefined || !UNIX_SECONDS.test(value)) return undefined;
      timestamp = value;
    } else if (key === "v1" && value !== "") {
      signatures.push(value);
    }
  }
  if (timestamp === undefined) return undefined;
  return { timestamp, signatures };
}

async function verifyStripe({ rawBody, headers, source, nowSeconds }: VerifyInput): Promise<VerifyOutcome> {
  if (source.secrets.length === 0) {
    return { ok: false, code: "signature_invalid", detail: "The source has no signing secret configured." };
  }
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
  const secretIndex = await matchingSecretIndex(source.secrets, async (secret) => {
    const expected = await hmac("SHA-256", utf8(secret), signedPayload);
    return parsed.signatures.reduce((matched, candidate) => digestMatches(expected, candidate, "hex") || matched, false);
  });
  if (secretIndex === undefined) {
    return { ok: false, code: "signature_invalid", detail: "No v1 signature matches a configured signing secret." };
  }

  const signedAt = Number(parsed.timestamp);
  const skew = Math.abs(nowSeconds - signedAt);
  if (skew > source.toleranceSeconds) {
    return {
      ok: false,
      code: "timestamp_out_of_tolerance",
      detail: `The signature timestamp is ${skew} s from now, beyond the ${source.toleranceSeconds} s tolerance.`,
    };
  }
  const deliveryId = jsonStringField(rawBody, "id");
  return deliveryId === undefined ? { ok: true, signedAt, secretIndex } : { ok: true, deliveryId, signedAt, secretIndex };
}

/**
 * Stripe webhook signatures (https://docs.stripe.com/webhooks#verify-manually, and
 * stripe/stripe-node src/Webhooks.ts): `Stripe-Signature: t=<unix seconds>,v1=<hex>…`,
 * v1 = HMAC-SHA256(endpoint secret as UTF-8 text, `${t}.${raw body}`); any v1 may match
 * (Stripe sends several while a secret is being rolled). The delivery id is the event `id`.
 */
export const stripeVerifier: Verifier = {
  provider: "stripe",
  bodyFormat: "json",
  async verify(input) {
    try {
      return await verifyStripe(input);
    } catch {
      return { ok: false, code: "signature_invalid", detail: "The signature could not be verified." };
    }
  },
};
