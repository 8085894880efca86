import { concatBytes, digestMatches, hmac, jsonStringField, matchingSecretIndex, utf8 } from "../crypto";
import type { Verifier, VerifyInput, VerifyOutcome } from "../types";

const SIGNATURE_HEADER = "x-slack-signature";
const TIMESTAMP_HEADER = "x-slack-request-timestamp";
const VERSION = "v0";
const UNIX_SECONDS = /^[0-9]{1,12}$/;

async function verifySlack({ rawBody, headers, source, nowSeconds }: VerifyInput): Promise<VerifyOutcome> {
  if (source.secrets.length === 0) {
    return { ok: false, code: "signature_invalid", detail: "The source has no signing secret configured." };
  }
  const signature = headers.get(SIGNATURE_HEADER);
  if (signature === null) {
    return { ok: false, code: "signature_missing", detail: "The X-Slack-Signature header is missing." };
  }
  const timestamp = headers.get(TIMESTAMP_HEADER);
  if (timestamp === null) {
    return { ok: false, code: "signature_missing", detail: "The X-Slack-Request-Timestamp header is missing." };
  }
  if (!UNIX_SECONDS.test(timestamp)) {
    return { ok: false, code: "signature_invalid", detail: "The X-Slack-Request-Timestamp header is not a Unix time in seconds." };
  }
  if (!signature.startsWith(`${VERSION}=`)) {
    return { ok: false, code: "signature_invalid", detail: "The X-Slack-Signature header does not start with v0=." };
  }
  const candidate = signature.slice(VERSION.length + 1);

  const basestring = concatBytes(utf8(`${VERSION}:${timestamp}:`), rawBody);
  const secretIndex = await matchingSecretIndex(source.secrets, async (secret) =>
    digestMatches(await hmac("SHA-256", utf8(secret), basestring), candidate, "hex"),
  );
  if (secretIndex === undefined) {
    return { ok: false, code: "signature_invalid", detail: "The signature does not match any configured signing secret." };
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
  // Events API bodies are JSON with an event_id; slash commands and interactivity are forms.
  const deliveryId = jsonStringField(rawBody, "event_id");
  return deliveryId === undefined ? { ok: true, signedAt, secretIndex } : { ok: true, deliveryId, signedAt, secretIndex };
}

/**
 * Slack request signing (https://docs.slack.dev/authentication/verifying-requests-from-slack):
 * `X-Slack-Signature: v0=<hex HMAC-SHA256(signing secret, "v0:" + X-Slack-Request-Timestamp + ":" + raw body)>`,
 * timestamp in Unix seconds. Slack signs every request it sends, url_verification included.
 */
export const slackVerifier: Verifier = {
  provider: "slack",
  bodyFormat: "any",
  async verify(input) {
    try {
      return await verifySlack(input);
    } catch {
      return { ok: false, code: "signature_invalid", detail: "The signature could not be verified." };
    }
  },
};
