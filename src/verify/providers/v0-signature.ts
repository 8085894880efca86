import { concatBytes, digestMatches, hmac, matchingSecretIndex, utf8 } from "../crypto";
import { defineVerifier, toleranceFailure, UNIX_SECONDS, verified } from "../outcome";
import type { Verifier, VerifyInput, VerifyOutcome } from "../types";

const VERSION = "v0";

/** How a provider using the `v0` request-signing scheme names its parts. */
export interface V0SignatureOptions {
  provider: string;
  bodyFormat: Verifier["bodyFormat"];
  /** What the provider calls the HMAC key ("signing secret"), for failure details. */
  secretName: string;
  /** The signature header as the provider's docs spell it (header lookup ignores case). */
  signatureHeader: string;
  /** The timestamp header (Unix seconds), spelled as in the provider's docs. */
  timestampHeader: string;
  /** The provider's delivery id, read from the verified body; omitted when it sends none. */
  deliveryId?: (rawBody: Uint8Array) => string | undefined;
}

async function verifyV0(
  { rawBody, headers, source, nowSeconds }: VerifyInput,
  { secretName, signatureHeader, timestampHeader, deliveryId }: V0SignatureOptions,
): Promise<VerifyOutcome> {
  const signature = headers.get(signatureHeader);
  if (signature === null) {
    return { ok: false, code: "signature_missing", detail: `The ${signatureHeader} header is missing.` };
  }
  const timestamp = headers.get(timestampHeader);
  if (timestamp === null) {
    return { ok: false, code: "signature_missing", detail: `The ${timestampHeader} header is missing.` };
  }
  if (!UNIX_SECONDS.test(timestamp)) {
    return { ok: false, code: "signature_invalid", detail: `The ${timestampHeader} header is not a Unix time in seconds.` };
  }
  if (!signature.startsWith(`${VERSION}=`)) {
    return { ok: false, code: "signature_invalid", detail: `The ${signatureHeader} header does not start with v0=.` };
  }
  const candidate = signature.slice(VERSION.length + 1);

  const basestring = concatBytes(utf8(`${VERSION}:${timestamp}:`), rawBody);
  const secretIndex = await matchingSecretIndex(source.secrets, async (secret) => digestMatches(await hmac("SHA-256", secret, basestring), candidate, "hex"));
  if (secretIndex === undefined) {
    return { ok: false, code: "signature_invalid", detail: `The signature does not match any configured ${secretName}.` };
  }

  const signedAt = Number(timestamp);
  const outOfTolerance = toleranceFailure(signedAt, { nowSeconds, source });
  if (outOfTolerance) return outOfTolerance;
  return verified({ deliveryId: deliveryId?.(rawBody), signedAt, secretIndex });
}

/**
 * A verifier for the `v0` request-signing scheme Slack introduced and Zoom adopted:
 * `<signature header>: v0=<hex HMAC-SHA256(secret, "v0:" + <timestamp header> + ":" + raw body)>`,
 * the timestamp in Unix seconds and checked against the source's `toleranceSeconds`.
 */
export function createV0Verifier(options: V0SignatureOptions): Verifier {
  return defineVerifier({
    provider: options.provider,
    bodyFormat: options.bodyFormat,
    secretName: options.secretName,
    verify: (input) => verifyV0(input, options),
  });
}
