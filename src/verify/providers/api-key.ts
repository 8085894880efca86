import { apiKeyOptionsSchema } from "../../config/schema";
import { equalSecretIndex, utf8 } from "../crypto";
import { defineVerifier, verified } from "../outcome";
import type { Verifier, VerifyInput, VerifyOutcome } from "../types";

async function verifyApiKey({ headers, source }: VerifyInput): Promise<VerifyOutcome> {
  const options = source.apiKey ?? apiKeyOptionsSchema.parse({});
  const header = headers.get(options.header);
  if (header === null) {
    return { ok: false, code: "signature_missing", detail: `The ${options.header} header is missing.` };
  }
  // Prefixes are usually an auth scheme ("Bearer "), whose name is case-insensitive.
  if (header.slice(0, options.prefix.length).toLowerCase() !== options.prefix.toLowerCase()) {
    return {
      ok: false,
      code: "signature_invalid",
      detail: `The ${options.header} header does not start with the configured prefix.`,
    };
  }
  const key = header.slice(options.prefix.length);
  if (key === "") {
    return { ok: false, code: "signature_invalid", detail: `The ${options.header} header carries no key.` };
  }
  const secretIndex = await equalSecretIndex(source.secrets, utf8(key));
  if (secretIndex === undefined) {
    return { ok: false, code: "signature_invalid", detail: "The key does not match any configured API key." };
  }
  return verified({ secretIndex });
}

/**
 * A shared API key in a header (the `apiKey` source options: header, default
 * `x-api-key`, and an optional prefix such as `Bearer `); the rest of the header must
 * equal one of the source's secrets exactly.
 */
export const apiKeyVerifier: Verifier = defineVerifier({
  provider: "api-key",
  bodyFormat: "any",
  secretName: "API key",
  verify: verifyApiKey,
});
