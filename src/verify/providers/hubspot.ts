import { concatBytes, digestMatches, hmac, matchingSecretIndex, sha256, utf8 } from "../crypto";
import { defineVerifier, toleranceFailureMs, verified } from "../outcome";
import type { Verifier, VerifyInput, VerifyOutcome } from "../types";

const V3_HEADER = "x-hubspot-signature-v3";
const TIMESTAMP_HEADER = "x-hubspot-request-timestamp";
const LEGACY_HEADER = "x-hubspot-signature";
const VERSION_HEADER = "x-hubspot-signature-version";
const UNIX_MILLISECONDS = /^[0-9]{1,15}$/;

/**
 * HubSpot signs the v3 URI with exactly these percent-escapes decoded (the table in its
 * "Validate the v3 request signature" section); every other escape stays as sent.
 */
const V3_DECODED_ESCAPES = /%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi;

function v3Uri(url: string): string {
  return url.replace(V3_DECODED_ESCAPES, (_escape, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

async function verifyV3({ rawBody, headers, url, method, source, nowSeconds }: VerifyInput, signature: string): Promise<VerifyOutcome> {
  const timestamp = headers.get(TIMESTAMP_HEADER);
  if (timestamp === null) {
    return { ok: false, code: "signature_missing", detail: "The X-HubSpot-Request-Timestamp header is missing." };
  }
  if (!UNIX_MILLISECONDS.test(timestamp)) {
    return {
      ok: false,
      code: "signature_invalid",
      detail: "The X-HubSpot-Request-Timestamp header is not a Unix time in milliseconds.",
    };
  }
  const signed = concatBytes(utf8(`${method}${v3Uri(url)}`), rawBody, utf8(timestamp));
  const secretIndex = await matchingSecretIndex(source.secrets, async (secret) => digestMatches(await hmac("SHA-256", secret, signed), signature, "base64"));
  if (secretIndex === undefined) {
    return { ok: false, code: "signature_invalid", detail: "The v3 signature does not match any configured client secret." };
  }
  const signedAtMs = Number(timestamp);
  const outOfTolerance = toleranceFailureMs(signedAtMs, { nowSeconds, source });
  if (outOfTolerance) return outOfTolerance;
  return verified({ signedAt: Math.floor(signedAtMs / 1000), secretIndex });
}

/** v1 and v2 are plain SHA-256 digests with the secret as a prefix; they carry no timestamp. */
async function verifyLegacy({ rawBody, headers, url, method, source }: VerifyInput, signature: string): Promise<VerifyOutcome> {
  const version = headers.get(VERSION_HEADER);
  if (version === null) {
    return { ok: false, code: "signature_missing", detail: "The X-HubSpot-Signature-Version header is missing." };
  }
  if (version !== "v1" && version !== "v2") {
    return { ok: false, code: "signature_invalid", detail: "The X-HubSpot-Signature-Version is neither v1 nor v2." };
  }
  // v2 uses the URI exactly as requested: unlike v3, nothing is decoded.
  const afterSecret = version === "v1" ? "" : `${method}${url}`;
  const secretIndex = await matchingSecretIndex(source.secrets, async (secret) =>
    digestMatches(await sha256(concatBytes(utf8(secret + afterSecret), rawBody)), signature, "hex"),
  );
  if (secretIndex === undefined) {
    return {
      ok: false,
      code: "signature_invalid",
      detail: `The ${version} signature does not match any configured client secret.`,
    };
  }
  return verified({ secretIndex });
}

async function verifyHubspot(input: VerifyInput): Promise<VerifyOutcome> {
  const v3 = input.headers.get(V3_HEADER);
  if (v3 !== null) return verifyV3(input, v3);
  const legacy = input.headers.get(LEGACY_HEADER);
  if (legacy !== null) return verifyLegacy(input, legacy);
  return { ok: false, code: "signature_missing", detail: "The X-HubSpot-Signature-v3 header is missing." };
}

/**
 * HubSpot request validation
 * (https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests):
 * v3 (preferred when present) is `X-HubSpot-Signature-v3` = base64 HMAC-SHA256(client secret,
 * method + URI + raw body + X-HubSpot-Request-Timestamp), the timestamp in Unix
 * milliseconds; older `X-HubSpot-Signature` is hex SHA-256 of secret + body (v1) or
 * secret + method + URI + body (v2), as `X-HubSpot-Signature-Version` says. The body is an
 * array of events, so there is no single delivery id.
 */
export const hubspotVerifier: Verifier = defineVerifier({
  provider: "hubspot",
  bodyFormat: "json",
  secretName: "client secret",
  verify: verifyHubspot,
});
