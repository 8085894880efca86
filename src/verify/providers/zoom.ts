import { concatBytes, digestMatches, hmac, matchingSecretIndex, utf8 } from "../crypto";
import type { Verifier, VerifyInput, VerifyOutcome } from "../types";

const SIGNATURE_HEADER = "x-zm-signature";
const TIMESTAMP_HEADER = "x-zm-request-timestamp";
const VERSION = "v0";
const UNIX_SECONDS = /^[0-9]{1,12}$/;

async function verifyZoom({ rawBody, headers, source, nowSeconds }: VerifyInput): Promise<VerifyOutcome> {
  if (source.secrets.length === 0) {
    return { ok: false, code: "signature_invalid", detail: "The source has no secret token configured." };
  }
  const signature = headers.get(SIGNATURE_HEADER);
  if (signature === null) {
    return { ok: false, code: "signature_missing", detail: "The x-zm-signature header is missing." };
  }
  const timestamp = headers.get(TIMESTAMP_HEADER);
  if (timestamp === null) {
    return { ok: false, code: "signature_missing", detail: "The x-zm-request-timestamp header is missing." };
  }
  if (!UNIX_SECONDS.test(timestamp)) {
    return { ok: false, code: "signature_invalid", detail: "The x-zm-request-timestamp header is not a Unix time in seconds." };
  }
  if (!signature.startsWith(`${VERSION}=`)) {
    return { ok: false, code: "signature_invalid", detail: "The x-zm-signature header does not start with v0=." };
  }
  const candidate = signature.slice(VERSION.length + 1);

  const message = concatBytes(utf8(`${VERSION}:${timestamp}:`), rawBody);
  const secretIndex = await matchingSecretIndex(source.secrets, async (secret) =>
    digestMatches(await hmac("SHA-256", utf8(secret), message), candidate, "hex"),
  );
  if (secretIndex === undefined) {
    return { ok: false, code: "signature_invalid", detail: "The signature does not match any configured secret token." };
  }

  const signedAt = Number(timestamp);
  const skew = Math.abs(nowSeconds - signedAt);
  if (skew > source.toleranceSeconds) {
    return {
      ok: false,
      code: "timestamp_out_of_tolerance",
      detail: `The request timestamp is ${skew} s from now, beyond the ${source.toleranceSeconds} s tolerance.`,
    };
  }
  // Zoom bodies carry no per-delivery id (event_ts is a time, not an id), so none is reported.
  return { ok: true, signedAt, secretIndex };
}

/**
 * Zoom webhooks (https://developers.zoom.us/docs/api/webhooks/#verify-webhook-events, and
 * the official zoom/webhook-sample and @zoom/rivet receivers):
 * `x-zm-signature: v0=<hex HMAC-SHA256(secret token, "v0:" + x-zm-request-timestamp + ":" + raw body)>`,
 * timestamp in Unix seconds. The endpoint.url_validation request is signed the same way.
 */
export const zoomVerifier: Verifier = {
  provider: "zoom",
  bodyFormat: "json",
  async verify(input) {
    try {
      return await verifyZoom(input);
    } catch {
      return { ok: false, code: "signature_invalid", detail: "The signature could not be verified." };
    }
  },
};
