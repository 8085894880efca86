import { apiKeyOptionsSchema } from "../../config/schema";
import { sha256, timingSafeEqual, utf8 } from "../crypto";
import type { Verifier, VerifyInput, VerifyOutcome } from "../types";

async function verifyApiKey({ headers, source }: VerifyInput): Promise<VerifyOutcome> {
  const options = source.apiKey ?? apiKeyOptionsSchema.parse({});
  if (source.secrets.length === 0) {
    return { ok: false, code: "signature_invalid", detail: "The source has no API key configured." };
  }
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
  // Hashing both sides first makes the comparison independent of the keys' lengths.
  const presented = await sha256(utf8(key));
  let secretIndex: number | undefined;
  for (const [index, secret] of source.secrets.entries()) {
    const matched = timingSafeEqual(presented, await sha256(utf8(secret)));
    if (matched && secretIndex === undefined) secretIndex = index;
  }
  if (secretIndex === undefined) {
    return { ok: false, code: "signature_invalid", detail: "The key does not match any configured API key." };
  }
  return { ok: true, secretIndex };
}

/**
 * A shared API key in a header (the `apiKey` source options: header, default
 * `x-api-key`, and an optional prefix such as `Bearer `); the rest of the header must
 * equal one of the source's secrets exactly.
 */
export const apiKeyVerifier: Verifier = {
  provider: "api-key",
  bodyFormat: "any",
  async verify(input) {
    try {
      return await verifyApiKey(input);
    } catch {
      return { ok: false, code: "signature_invalid", detail: "The API key could not be verified." };
    }
  },
};
