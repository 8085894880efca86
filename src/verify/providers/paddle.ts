import { concatBytes, digestMatches, hmac, utf8 } from "../crypto";
import type { Verifier, VerifyInput, VerifyOutcome } from "../types";

const SIGNATURE_HEADER = "paddle-signature";
const UNIX_SECONDS = /^[0-9]{1,12}$/;
const HEX = /^[0-9a-fA-F]+$/;

interface ParsedSignature {
  timestamp: string;
  signatures: string[];
}

/**
 * `ts=<unix>;h1=<hex>[;h1=<hex>…]`: Paddle sends one h1 per active secret while a
 * key is being rotated, so every h1 is kept. Unknown keys (e.g. a future `h2`) are skipped.
 */
function parseHeader(header: string): ParsedSignature | undefined {
  let timestamp: string | undefined;
  const signatures: string[] = [];
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) return undefined;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === "ts") {
      if (timestamp !== undefined || !UNIX_SECONDS.test(value)) return undefined;
      timestamp = value;
    } else if (key === "h1") {
      if (!HEX.test(value)) return undefined;
      signatures.push(value);
    }
  }
  if (timestamp === undefined || signatures.length === 0) return undefined;
  return { timestamp, signatures };
}

/** Paddle recommends `event_id` for idempotency; `notification_id` is the fallback. */
function deliveryIdFrom(rawBody: Uint8Array): string | undefined {
  try {
    const body: unknown = JSON.parse(new TextDecoder().decode(rawBody));
    if (typeof body !== "object" || body === null) return undefined;
    const eventId: unknown = Reflect.get(body, "event_id");
    if (typeof eventId === "string" && eventId !== "") return eventId;
    const notificationId: unknown = Reflect.get(body, "notification_id");
    if (typeof notificationId === "string" && notificationId !== "") return notificationId;
    return undefined;
  } catch {
    // An unparseable body is rejected later by the ingest path (400); no id is all we lose here.
    return undefined;
  }
}

async function verifyPaddle({ rawBody, headers, source, nowSeconds }: VerifyInput): Promise<VerifyOutcome> {
  if (source.secrets.length === 0) {
    return { ok: false, code: "signature_invalid", detail: "The source has no endpoint secret key configured." };
  }
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
  let secretIndex: number | undefined;
  for (const [index, secret] of source.secrets.entries()) {
    // The whole secret string (pdl_ntfset_…) is the HMAC key, as Paddle's SDKs use it.
    const expected = await hmac("SHA-256", utf8(secret), signedPayload);
    const matched = parsed.signatures.reduce((acc, candidate) => digestMatches(expected, candidate, "hex") || acc, false);
    if (matched && secretIndex === undefined) secretIndex = index;
  }
  if (secretIndex === undefined) {
    return { ok: false, code: "signature_invalid", detail: "The signature does not match any configured secret key." };
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
  const deliveryId = deliveryIdFrom(rawBody);
  return deliveryId === undefined ? { ok: true, signedAt, secretIndex } : { ok: true, deliveryId, signedAt, secretIndex };
}

/**
 * Paddle Billing webhook signatures, as documented at
 * https://developer.paddle.com/webhooks/about/signature-verification and implemented in
 * PaddleHQ/paddle-node-sdk (src/notifications/helpers/webhooks-validator.ts):
 * `Paddle-Signature: ts=<unix seconds>;h1=<hex>` where h1 is
 * HMAC-SHA256(endpoint secret key, `${ts}:${raw body}`). The SDK allows 5 s of
 * staleness; here the source's `toleranceSeconds` applies, in both directions.
 */
export const paddleVerifier: Verifier = {
  provider: "paddle",
  bodyFormat: "json",
  async verify(input) {
    try {
      return await verifyPaddle(input);
    } catch {
      return { ok: false, code: "signature_invalid", detail: "The signature could not be verified." };
    }
  },
};
