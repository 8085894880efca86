import { digestMatches, fromBase64, hmac, matchingSecretIndex, utf8 } from "../crypto";
import { defineVerifier, verified } from "../outcome";
import type { Verifier, VerifyInput, VerifyOutcome } from "../types";

const SIGNATURE_HEADER = "x-mandrill-signature";

/**
 * The POST parameters as Mandrill's reference code reads them, or undefined when the
 * body cannot be read unambiguously. A repeated key is refused: PHP's `$_POST` (the
 * reference) signs the last value while `URLSearchParams.get` reads the first, so
 * prepending `mandrill_events=<forged>&` to a signed body would otherwise verify.
 */
function formParams(rawBody: Uint8Array): Map<string, string> | undefined {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(rawBody);
  } catch {
    return undefined;
  }
  const params = new Map<string, string>();
  for (const [key, value] of new URLSearchParams(text)) {
    if (params.has(key)) return undefined;
    params.set(key, value);
  }
  return params;
}

/** URL, then each POST key and value sorted by key, with no delimiter. */
function signedData(url: string, params: Map<string, string>): string {
  let data = url;
  for (const key of [...params.keys()].sort()) data += key + (params.get(key) ?? "");
  return data;
}

async function verifyMandrill({ rawBody, headers, source, url }: VerifyInput): Promise<VerifyOutcome> {
  const header = headers.get(SIGNATURE_HEADER);
  if (header === null) {
    return { ok: false, code: "signature_missing", detail: "The X-Mandrill-Signature header is missing." };
  }
  const decoded = fromBase64(header);
  if (decoded === undefined || decoded.byteLength === 0) {
    return { ok: false, code: "signature_invalid", detail: "The X-Mandrill-Signature header is not base64." };
  }
  const params = formParams(rawBody);
  if (params === undefined) {
    return {
      ok: false,
      code: "signature_invalid",
      detail: "The body is not a form-encoded UTF-8 body with unique keys, so its signature cannot be checked.",
    };
  }
  const data = utf8(signedData(url, params));
  const secretIndex = await matchingSecretIndex(source.secrets, async (secret) => digestMatches(await hmac("SHA-1", secret, data), header, "base64"));
  if (secretIndex === undefined) {
    return {
      ok: false,
      code: "signature_invalid",
      detail: "The signature does not match any configured webhook key for this URL.",
    };
  }
  return verified({ secretIndex });
}

/**
 * Mandrill (Mailchimp Transactional) webhook authentication, as documented at
 * https://mailchimp.com/developer/transactional/guides/track-respond-activity-webhooks/#authenticating-webhook-requests:
 * `X-Mandrill-Signature` is base64 HMAC-SHA1(webhook key, url + each POST key and value
 * sorted by key). The URL must be exactly the one entered in Mandrill (the source's
 * `publicUrl` when the Worker sees another). The scheme has no timestamp and no delivery id.
 */
export const mandrillVerifier: Verifier = defineVerifier({
  provider: "mandrill",
  bodyFormat: "form",
  secretName: "webhook key",
  verify: verifyMandrill,
});
