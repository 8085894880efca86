import { equalSecretIndex, fromBase64 } from "../crypto";
import { defineVerifier, verified } from "../outcome";
import type { Verifier, VerifyInput, VerifyOutcome } from "../types";

const CREDENTIALS = /^([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*) +([A-Za-z0-9+/_-]+={0,2})$/;

async function verifyBasicAuth({ headers, source }: VerifyInput): Promise<VerifyOutcome> {
  const header = headers.get("authorization");
  if (header === null) {
    return { ok: false, code: "signature_missing", detail: "The Authorization header is missing." };
  }
  const match = CREDENTIALS.exec(header);
  // The auth-scheme name is case-insensitive (RFC 9110 §11.1).
  if (match === null || match[1]?.toLowerCase() !== "basic") {
    return { ok: false, code: "signature_invalid", detail: "The Authorization header is not Basic credentials." };
  }
  const decoded = fromBase64(match[2] ?? "");
  if (decoded === undefined || decoded.byteLength === 0) {
    return { ok: false, code: "signature_invalid", detail: "The Basic credentials are not base64." };
  }
  const secretIndex = await equalSecretIndex(source.secrets, decoded);
  if (secretIndex === undefined) {
    return { ok: false, code: "signature_invalid", detail: "The credentials do not match any configured user:password." };
  }
  return verified({ secretIndex });
}

/**
 * HTTP Basic authentication (RFC 7617): `Authorization: Basic base64(user:password)`,
 * each secret being the `user:password` pair the sender is configured with. The
 * decoded bytes must equal a secret exactly (no trimming or case folding).
 */
export const basicAuthVerifier: Verifier = defineVerifier({
  provider: "basic-auth",
  bodyFormat: "any",
  secretName: "user:password credentials",
  verify: verifyBasicAuth,
});
