import { anyDigestMatches, concatBytes, fromBase64, hmac, matchingSecretIndex, utf8 } from "../crypto";
import { defineVerifier, toleranceFailure, UNIX_SECONDS, verified } from "../outcome";
import type { Verifier, VerifyInput, VerifyOutcome } from "../types";

const SECRET_PREFIX = "whsec_";

/** How a Standard Webhooks flavour names its three headers. */
export interface StandardWebhooksOptions {
  provider: string;
  /**
   * Header prefixes, tried in order: the first under which `-id`, `-timestamp` and
   * `-signature` are all present is used (Svix's SDK falls back from `svix-` to `webhook-`).
   */
  headerPrefixes: readonly [string, ...string[]];
}

interface SignedHeaders {
  prefix: string;
  id: string;
  timestamp: string;
  signature: string;
}

function readHeaders(headers: Headers, prefixes: readonly string[]): SignedHeaders | undefined {
  for (const prefix of prefixes) {
    const id = headers.get(`${prefix}-id`);
    const timestamp = headers.get(`${prefix}-timestamp`);
    const signature = headers.get(`${prefix}-signature`);
    if (id !== null && timestamp !== null && signature !== null) return { prefix, id, timestamp, signature };
  }
  return undefined;
}

/** The HMAC key of a `whsec_<base64>` secret; the prefix is optional, as in the reference SDKs. */
function decodeSecret(secret: string): Uint8Array | undefined {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const key = fromBase64(encoded);
  return key !== undefined && key.byteLength > 0 ? key : undefined;
}

/**
 * The `v1` signatures of a `webhook-signature` value. Entries are space separated
 * `<version>,<base64>`; other versions (e.g. asymmetric `v1a`) are not ours to check.
 * Splitting on any whitespace and reading only the second comma field also copes with
 * a header repeated on the wire, which fetch joins with ", ".
 */
function v1Signatures(header: string): string[] {
  const out: string[] = [];
  for (const entry of header.split(/\s+/)) {
    const [version, signature] = entry.split(",");
    if (version === "v1" && signature !== undefined && signature !== "") out.push(signature);
  }
  return out;
}

async function verifyStandardWebhooks(
  { rawBody, headers, source, nowSeconds }: VerifyInput,
  { headerPrefixes }: StandardWebhooksOptions,
): Promise<VerifyOutcome> {
  const signed = readHeaders(headers, headerPrefixes);
  if (signed === undefined) {
    const [prefix] = headerPrefixes;
    return {
      ok: false,
      code: "signature_missing",
      detail: `The ${prefix}-id, ${prefix}-timestamp and ${prefix}-signature headers are all required.`,
    };
  }
  const { prefix, id, timestamp, signature } = signed;
  if (id === "") {
    return { ok: false, code: "signature_invalid", detail: `The ${prefix}-id header is empty.` };
  }
  if (!UNIX_SECONDS.test(timestamp)) {
    return { ok: false, code: "signature_invalid", detail: `The ${prefix}-timestamp header is not a Unix time in seconds.` };
  }
  const candidates = v1Signatures(signature);
  if (candidates.length === 0) {
    return { ok: false, code: "signature_invalid", detail: `The ${prefix}-signature header has no v1,<base64> entry.` };
  }

  const keys = source.secrets.map(decodeSecret);
  if (keys.every((key) => key === undefined)) {
    return {
      ok: false,
      code: "signature_invalid",
      detail: "No configured secret is a valid Standard Webhooks key (whsec_ followed by base64).",
    };
  }
  const signedContent = concatBytes(utf8(`${id}.${timestamp}.`), rawBody);
  const secretIndex = await matchingSecretIndex(source.secrets, async (secret) => {
    const key = decodeSecret(secret);
    if (key === undefined) return false;
    return anyDigestMatches(await hmac("SHA-256", key, signedContent), candidates, "base64");
  });
  if (secretIndex === undefined) {
    return { ok: false, code: "signature_invalid", detail: "No v1 signature matches a configured secret." };
  }

  const signedAt = Number(timestamp);
  const outOfTolerance = toleranceFailure(signedAt, { nowSeconds, source });
  if (outOfTolerance) return outOfTolerance;
  return verified({ deliveryId: id, signedAt, secretIndex });
}

/**
 * A verifier for the Standard Webhooks scheme under the given header names; the scheme
 * is shared by Svix, which created it.
 */
export function createStandardWebhooksVerifier(options: StandardWebhooksOptions): Verifier {
  return defineVerifier({
    provider: options.provider,
    bodyFormat: "json",
    secretName: "signing secret",
    verify: (input) => verifyStandardWebhooks(input, options),
  });
}

/**
 * Standard Webhooks (https://www.standardwebhooks.com, spec/standard-webhooks.md and the
 * reference libraries in standard-webhooks/standard-webhooks): `webhook-signature` holds
 * space-separated `v1,<base64 HMAC-SHA256>` entries over `${webhook-id}.${webhook-timestamp}.${body}`,
 * keyed with the base64-decoded part of a `whsec_` secret; the timestamp is Unix seconds.
 */
export const standardWebhooksVerifier: Verifier = createStandardWebhooksVerifier({
  provider: "standard-webhooks",
  headerPrefixes: ["webhook"],
});
