import { digestMatches, hmac, matchingSecretIndex, sha256, utf8 } from "../crypto";
import { defineVerifier, verified } from "../outcome";
import type { Verifier, VerifyInput, VerifyOutcome } from "../types";

const SIGNATURE_HEADER = "x-twilio-signature";
const BODY_HASH_PARAM = "bodySHA256";
const FORM_TYPE = "application/x-www-form-urlencoded";

/**
 * The URL as Twilio may have signed it: with and without the port. Twilio's back end is
 * inconsistent about the standard port, so its SDKs try both (twilio-node
 * src/webhooks/webhooks.ts `validateRequest`); like them, the URL is WHATWG-normalized first.
 */
function urlVariants(url: URL): string[] {
  const withoutPort = new URL(url.toString());
  withoutPort.port = "";
  let withPort = url.toString();
  if (url.port === "") {
    // WHATWG drops a default port on assignment, so the standard one is spliced in by hand.
    const userinfo = url.username || url.password ? `${url.username}${url.password ? `:${url.password}` : ""}@` : "";
    const port = url.protocol === "https:" ? ":443" : ":80";
    withPort = `${url.protocol}//${userinfo}${url.host}${port}${url.pathname}${url.search}${url.hash}`;
  }
  return [...new Set([withoutPort.toString(), withPort])];
}

/**
 * POST parameters in signing order: keys sorted by code unit, each followed by its value;
 * a repeated key contributes each distinct value, sorted, as twilio-node does.
 */
function formSigningSuffix(body: Uint8Array): string {
  const params = new Map<string, Set<string>>();
  for (const [key, value] of new URLSearchParams(new TextDecoder().decode(body))) {
    const values = params.get(key) ?? new Set<string>();
    values.add(value);
    params.set(key, values);
  }
  let suffix = "";
  for (const key of [...params.keys()].sort()) {
    for (const value of [...(params.get(key) ?? [])].sort()) suffix += key + value;
  }
  return suffix;
}

function isForm(contentType: string | null): boolean {
  // Twilio always sends a content type; a missing one is read as its default, a form.
  if (contentType === null) return true;
  return contentType.split(";")[0]?.trim().toLowerCase() === FORM_TYPE;
}

async function verifyTwilio({ rawBody, headers, url, source }: VerifyInput): Promise<VerifyOutcome> {
  const signature = headers.get(SIGNATURE_HEADER);
  if (signature === null) {
    return { ok: false, code: "signature_missing", detail: "The X-Twilio-Signature header is missing." };
  }
  let signedUrl: URL;
  try {
    signedUrl = new URL(url);
  } catch {
    return { ok: false, code: "signature_invalid", detail: "The URL Twilio signed is not a valid URL." };
  }

  // A JSON body is not in the signature itself: the URL carries its SHA-256, and the URL is signed alone.
  const bodyHash = signedUrl.searchParams.get(BODY_HASH_PARAM);
  let suffix = "";
  if (bodyHash === null) {
    if (isForm(headers.get("content-type"))) {
      suffix = formSigningSuffix(rawBody);
    } else if (rawBody.byteLength > 0) {
      return {
        ok: false,
        code: "signature_invalid",
        detail: "A body that is not a form must be covered by a bodySHA256 URL parameter, and the URL has none.",
      };
    }
  }

  const candidates = urlVariants(signedUrl).map((variant) => utf8(variant + suffix));
  const secretIndex = await matchingSecretIndex(source.secrets, async (secret) => {
    let matched = false;
    for (const data of candidates) {
      if (digestMatches(await hmac("SHA-1", secret, data), signature, "base64")) matched = true;
    }
    return matched;
  });
  if (secretIndex === undefined) {
    return { ok: false, code: "signature_invalid", detail: "The signature does not match any configured auth token." };
  }
  if (bodyHash !== null && !digestMatches(await sha256(rawBody), bodyHash, "hex")) {
    return { ok: false, code: "signature_invalid", detail: "The body does not match the signed bodySHA256 parameter." };
  }
  // The signature covers the URL and the parameters, not this header: tracing only.
  return verified({ unsignedDeliveryId: headers.get("i-twilio-idempotency-token"), secretIndex });
}

/**
 * Twilio request validation (https://www.twilio.com/docs/usage/webhooks/webhooks-security):
 * `X-Twilio-Signature` is the base64 HMAC-SHA1, keyed with the auth token, of the full URL
 * followed, for form bodies, by every POST parameter sorted by name as name+value. For
 * JSON bodies the URL carries `bodySHA256=<hex SHA-256 of the body>` and only the URL is
 * signed. The delivery id is the `I-Twilio-Idempotency-Token` header.
 */
export const twilioVerifier: Verifier = defineVerifier({
  provider: "twilio",
  bodyFormat: "any",
  secretName: "auth token",
  verify: verifyTwilio,
});
