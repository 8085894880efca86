import { concatBytes, fromBase64, matchingSecretIndex, utf8 } from "../crypto";
import { defineVerifier, toleranceFailure, UNIX_SECONDS, verified } from "../outcome";
import type { Verifier, VerifyInput, VerifyOutcome } from "../types";

const SIGNATURE_HEADER = "x-twilio-email-event-webhook-signature";
const TIMESTAMP_HEADER = "x-twilio-email-event-webhook-timestamp";
/** P-256 scalars are 32 bytes; WebCrypto wants r and s each left-padded to that. */
const SCALAR_BYTES = 32;

/** One DER INTEGER at `offset`, as an unsigned 32-byte big-endian value. */
function readScalar(der: Uint8Array, offset: number): { value: Uint8Array; next: number } | undefined {
  if (der[offset] !== 0x02) return undefined;
  const length = der[offset + 1];
  // Short-form lengths only: a P-256 integer is at most 33 bytes.
  if (length === undefined || length === 0 || length > 0x7f) return undefined;
  const start = offset + 2;
  const end = start + length;
  if (end > der.byteLength) return undefined;
  let bytes = der.subarray(start, end);
  // A set high bit would make the integer negative, which no valid signature has.
  if ((bytes[0] ?? 0) & 0x80) return undefined;
  // DER adds a 0x00 before a high-bit byte; a short value (leading zero bytes of the
  // scalar dropped) is just as legal, so strip zeros here and pad back below.
  let firstNonZero = 0;
  while (firstNonZero < bytes.byteLength - 1 && bytes[firstNonZero] === 0) firstNonZero++;
  bytes = bytes.subarray(firstNonZero);
  if (bytes.byteLength > SCALAR_BYTES) return undefined;
  const value = new Uint8Array(SCALAR_BYTES);
  value.set(bytes, SCALAR_BYTES - bytes.byteLength);
  return { value, next: end };
}

/**
 * DER `SEQUENCE { INTEGER r, INTEGER s }` (what SendGrid sends) to the IEEE P1363
 * `r || s` form that WebCrypto's ECDSA verify accepts; undefined when malformed.
 */
function derToP1363(der: Uint8Array): Uint8Array | undefined {
  if (der.byteLength < 8 || der[0] !== 0x30) return undefined;
  const sequenceLength = der[1];
  if (sequenceLength === undefined || sequenceLength > 0x7f || 2 + sequenceLength !== der.byteLength) return undefined;
  const r = readScalar(der, 2);
  if (r === undefined) return undefined;
  const s = readScalar(der, r.next);
  if (s === undefined || s.next !== der.byteLength) return undefined;
  return concatBytes(r.value, s.value);
}

/** The verification key as SendGrid shows it (base64 DER SPKI), tolerating PEM armour. */
async function importVerificationKey(secret: string): Promise<CryptoKey | undefined> {
  const base64 = secret.replace(/-----(BEGIN|END) PUBLIC KEY-----/g, "").replace(/\s+/g, "");
  const der = fromBase64(base64);
  if (der === undefined || der.byteLength === 0) return undefined;
  try {
    return await crypto.subtle.importKey("spki", der, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
  } catch {
    return undefined;
  }
}

async function verifySendgrid({ rawBody, headers, source, nowSeconds }: VerifyInput): Promise<VerifyOutcome> {
  const signatureHeader = headers.get(SIGNATURE_HEADER);
  const timestampHeader = headers.get(TIMESTAMP_HEADER);
  if (signatureHeader === null) {
    return {
      ok: false,
      code: "signature_missing",
      detail: "The X-Twilio-Email-Event-Webhook-Signature header is missing.",
    };
  }
  if (timestampHeader === null) {
    return {
      ok: false,
      code: "signature_missing",
      detail: "The X-Twilio-Email-Event-Webhook-Timestamp header is missing.",
    };
  }
  if (!UNIX_SECONDS.test(timestampHeader)) {
    return {
      ok: false,
      code: "signature_invalid",
      detail: "The X-Twilio-Email-Event-Webhook-Timestamp header is not a Unix timestamp.",
    };
  }
  const der = fromBase64(signatureHeader);
  const signature = der === undefined ? undefined : derToP1363(der);
  if (signature === undefined) {
    return {
      ok: false,
      code: "signature_invalid",
      detail: "The X-Twilio-Email-Event-Webhook-Signature header is not a base64 DER ECDSA signature.",
    };
  }
  // The timestamp header's exact text is what SendGrid signed, not a re-rendered number.
  const signedPayload = concatBytes(utf8(timestampHeader), rawBody);
  let usableKeys = 0;
  const secretIndex = await matchingSecretIndex(source.secrets, async (secret) => {
    const key = await importVerificationKey(secret);
    if (key === undefined) return false;
    usableKeys++;
    return crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, signature, signedPayload);
  });
  if (usableKeys === 0) {
    return {
      ok: false,
      code: "signature_invalid",
      detail: "No configured verification key is a base64 P-256 public key.",
    };
  }
  if (secretIndex === undefined) {
    return {
      ok: false,
      code: "signature_invalid",
      detail: "The signature does not verify with any configured verification key.",
    };
  }
  const signedAt = Number(timestampHeader);
  const outOfTolerance = toleranceFailure(signedAt, { nowSeconds, source });
  if (outOfTolerance) return outOfTolerance;
  return verified({ signedAt, secretIndex });
}

/**
 * SendGrid Signed Event Webhook, as documented at
 * https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features
 * and implemented in sendgrid/sendgrid-nodejs packages/eventwebhook/src/eventwebhook.js:
 * `X-Twilio-Email-Event-Webhook-Signature` is a base64 DER ECDSA P-256/SHA-256
 * signature of `X-Twilio-Email-Event-Webhook-Timestamp` + raw body; each secret is a
 * verification key (base64 DER SPKI). SendGrid documents no tolerance; the source's
 * `toleranceSeconds` applies. No delivery id header exists.
 */
export const sendgridVerifier: Verifier = defineVerifier({
  provider: "sendgrid",
  bodyFormat: "json",
  secretName: "verification key",
  verify: verifySendgrid,
});
