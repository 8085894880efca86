import { concatBytes, digestMatches, hmac, utf8 } from "../crypto";
import type { Verifier, VerifyInput, VerifyOutcome } from "../types";

const SIGNATURE_HEADER = "calendly-webhook-signature";
const UNIX_SECONDS = /^[0-9]{1,12}$/;
const HEX = /^[0-9a-fA-F]+$/;

interface ParsedSignature {
  timestamp: string;
  signatures: string[];
}

/** `t=<unix>,v1=<hex>`; unknown keys are skipped so a future `v2` does not break parsing. */
function parseHeader(header: string): ParsedSignature | undefined {
  let timestamp: string | undefined;
  const signatures: string[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq <= 0) return undefined;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === "t") {
      // Two timestamps would leave it ambiguous which one was signed.
      if (timestamp !== undefined || !UNIX_SECONDS.test(value)) return undefined;
      timestamp = value;
    } else if (key === "v1") {
      if (!HEX.test(value)) return undefined;
      signatures.push(value);
    }
  }
  if (timestamp === undefined || signatures.length === 0) return undefined;
  return { timestamp, signatures };
}

async function verifyCalendly({ rawBody, headers, source, nowSeconds }: VerifyInput): Promise<VerifyOutcome> {
  if (source.secrets.length === 0) {
    return { ok: false, code: "signature_invalid", detail: "The source has no webhook signing key configured." };
  }
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
  let secretIndex: number | undefined;
  // Every key is tried so the time taken does not depend on which one matches.
  for (const [index, secret] of source.secrets.entries()) {
    const expected = await hmac("SHA-256", utf8(secret), signedPayload);
    const matched = parsed.signatures.reduce((acc, candidate) => digestMatches(expected, candidate, "hex") || acc, false);
    if (matched && secretIndex === undefined) secretIndex = index;
  }
  if (secretIndex === undefined) {
    return { ok: false, code: "signature_invalid", detail: "The signature does not match any configured signing key." };
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
  return { ok: true, signedAt, secretIndex };
}

/**
 * Calendly webhook signatures, as documented at
 * https://developer.calendly.com/api-docs/overview/webhooks/webhook-signatures:
 * `Calendly-Webhook-Signature: t=<unix seconds>,v1=<hex>` where v1 is
 * HMAC-SHA256(signing key, `${t}.${raw body}`). Calendly sends no delivery id.
 */
export const calendlyVerifier: Verifier = {
  provider: "calendly",
  bodyFormat: "json",
  async verify(input) {
    try {
      return await verifyCalendly(input);
    } catch {
      return { ok: false, code: "signature_invalid", detail: "The signature could not be verified." };
    }
  },
};
