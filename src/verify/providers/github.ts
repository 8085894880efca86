import { digestMatches, hmac, matchingSecretIndex } from "../crypto";
import { defineVerifier, verified } from "../outcome";
import type { Verifier, VerifyInput, VerifyOutcome } from "../types";

const SIGNATURE_HEADER = "x-hub-signature-256";
const LEGACY_SHA1_HEADER = "x-hub-signature";
const PREFIX = "sha256=";

async function verifyGithub({ rawBody, headers, source }: VerifyInput): Promise<VerifyOutcome> {
  const header = headers.get(SIGNATURE_HEADER);
  if (header === null) {
    // GitHub sends the SHA-256 header alongside the SHA-1 one whenever a secret is set, so a
    // request with only SHA-1 is either very old GitHub Enterprise or a downgrade attempt.
    const detail =
      headers.get(LEGACY_SHA1_HEADER) === null
        ? "The X-Hub-Signature-256 header is missing."
        : "The X-Hub-Signature-256 header is missing; the SHA-1 X-Hub-Signature is not accepted.";
    return { ok: false, code: "signature_missing", detail };
  }
  if (!header.startsWith(PREFIX)) {
    return { ok: false, code: "signature_invalid", detail: "The X-Hub-Signature-256 header does not start with sha256=." };
  }
  const candidate = header.slice(PREFIX.length);
  const secretIndex = await matchingSecretIndex(source.secrets, async (secret) => digestMatches(await hmac("SHA-256", secret, rawBody), candidate, "hex"));
  if (secretIndex === undefined) {
    return { ok: false, code: "signature_invalid", detail: "The signature does not match any configured secret." };
  }
  // GitHub signs the body alone: X-GitHub-Delivery is for tracing, and dedup goes by body hash.
  return verified({ unsignedDeliveryId: headers.get("x-github-delivery"), secretIndex });
}

/**
 * GitHub webhooks (https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries):
 * `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, raw body)>`. The legacy SHA-1
 * `X-Hub-Signature` is deliberately not a fallback: GitHub recommends SHA-256 and always
 * sends it with a secret. The delivery id is `X-GitHub-Delivery`, which the signature does
 * not cover (a redelivery repeats it: docs.github.com, best practices for using webhooks,
 * "Use the X-GitHub-Delivery header"). Bodies are JSON or,
 * with the "application/x-www-form-urlencoded" content type, `payload=<json>`.
 */
export const githubVerifier: Verifier = defineVerifier({
  provider: "github",
  bodyFormat: "any",
  secretName: "webhook secret",
  verify: verifyGithub,
});
