import { HMAC_PLACEHOLDER, type HmacOptionProblem, type HmacPlaceholder, hmacOptionProblems, signedPlaceholders } from "../../config/hmac-template";
import { hmacOptionsSchema, type SourceConfig } from "../../config/schema";
import { concatBytes, digestMatches, fromBase64, fromHex, type HmacAlgorithm, hmac, matchingSecretIndex, utf8 } from "../crypto";
import { defineVerifier, toleranceFailure, UNIX_SECONDS, verified } from "../outcome";
import type { Verifier, VerifyInput, VerifyOutcome } from "../types";

const ALGORITHMS: Record<"sha1" | "sha256" | "sha512", HmacAlgorithm> = {
  sha1: "SHA-1",
  sha256: "SHA-256",
  sha512: "SHA-512",
};

/**
 * The template rendered to bytes in one pass, so a header value that happens to
 * contain `{body}` is signed literally, and the body stays byte-exact even when it
 * is not UTF-8.
 */
function renderTemplate(template: string, values: Record<HmacPlaceholder, Uint8Array>): Uint8Array {
  const parts: Uint8Array[] = [];
  let last = 0;
  for (const match of template.matchAll(HMAC_PLACEHOLDER)) {
    parts.push(utf8(template.slice(last, match.index)));
    parts.push(values[match[1] as HmacPlaceholder]);
    last = match.index + match[0].length;
  }
  parts.push(utf8(template.slice(last)));
  return concatBytes(...parts);
}

type HmacOptions = NonNullable<SourceConfig["hmac"]>;

const defaultOptions: HmacOptions = hmacOptionsSchema.parse({});

/** What a source's options allow, read once per options object (they live as long as the cached configuration). */
const templateChecks = new WeakMap<HmacOptions, { unsafe: HmacOptionProblem | undefined; signsId: boolean }>();

function checkTemplate(options: HmacOptions): { unsafe: HmacOptionProblem | undefined; signsId: boolean } {
  let checked = templateChecks.get(options);
  if (!checked) {
    checked = { unsafe: hmacOptionProblems(options)[0], signsId: signedPlaceholders(options.template).has("id") };
    templateChecks.set(options, checked);
  }
  return checked;
}

async function verifyGenericHmac({ rawBody, headers, source, url, method, nowSeconds }: VerifyInput): Promise<VerifyOutcome> {
  const options = source.hmac ?? defaultOptions;
  const { unsafe, signsId } = checkTemplate(options);
  // A source stored before writes were checked: refusing is the only safe answer.
  if (unsafe) {
    return { ok: false, code: "signature_invalid", detail: `The source's hmac.${unsafe.field} is unsafe: ${unsafe.message}.` };
  }
  const header = headers.get(options.header);
  if (header === null) {
    return { ok: false, code: "signature_missing", detail: `The ${options.header} header is missing.` };
  }
  if (!header.startsWith(options.prefix)) {
    return {
      ok: false,
      code: "signature_invalid",
      detail: `The ${options.header} header does not start with the configured prefix.`,
    };
  }
  const candidate = header.slice(options.prefix.length).trim();
  const decoded = options.encoding === "hex" ? fromHex(candidate) : fromBase64(candidate);
  if (decoded === undefined || decoded.byteLength === 0) {
    return {
      ok: false,
      code: "signature_invalid",
      detail: `The ${options.header} header is not a ${options.encoding} digest.`,
    };
  }
  let timestamp: string | undefined;
  if (options.timestampHeader !== undefined) {
    const value = headers.get(options.timestampHeader);
    if (value === null) {
      return { ok: false, code: "signature_missing", detail: `The ${options.timestampHeader} header is missing.` };
    }
    if (!UNIX_SECONDS.test(value)) {
      return {
        ok: false,
        code: "signature_invalid",
        detail: `The ${options.timestampHeader} header is not a Unix timestamp in seconds.`,
      };
    }
    timestamp = value;
  }
  const deliveryId = options.idHeader === undefined ? null : headers.get(options.idHeader);
  if (signsId && !deliveryId) {
    return { ok: false, code: "signature_missing", detail: `The ${options.idHeader} header is missing.` };
  }
  const signedPayload = renderTemplate(options.template, {
    body: rawBody,
    timestamp: utf8(timestamp ?? ""),
    url: utf8(url),
    method: utf8(method),
    id: utf8(deliveryId ?? ""),
  });
  const algorithm = ALGORITHMS[options.algorithm];
  const secretIndex = await matchingSecretIndex(source.secrets, async (secret) =>
    digestMatches(await hmac(algorithm, secret, signedPayload), candidate, options.encoding),
  );
  if (secretIndex === undefined) {
    return { ok: false, code: "signature_invalid", detail: "The signature does not match any configured secret." };
  }
  const signedAt = timestamp === undefined ? undefined : Number(timestamp);
  if (signedAt !== undefined) {
    const outOfTolerance = toleranceFailure(signedAt, { nowSeconds, source });
    if (outOfTolerance) return outOfTolerance;
  }
  // Only an id the signature covers may be a dedup key: a replay can carry any other.
  return verified(signsId ? { deliveryId, signedAt, secretIndex } : { unsignedDeliveryId: deliveryId, signedAt, secretIndex });
}

/**
 * Generic HMAC for senders without a dedicated verifier (the common shape of GitHub-
 * and Stripe-style schemes): the `hmac` source options name the header, the
 * algorithm (sha1/sha256/sha512), the digest encoding (hex/base64), a prefix such as
 * `sha256=`, and the signed template over `{body}`, `{timestamp}`, `{url}`,
 * `{method}` and `{id}`. Each secret's UTF-8 bytes are the key. A `timestampHeader`
 * (Unix seconds, which the template must sign) is checked against `toleranceSeconds`;
 * `idHeader` gives the delivery id, a dedup key only when the template signs `{id}`.
 */
export const hmacVerifier: Verifier = defineVerifier({
  provider: "hmac",
  bodyFormat: "any",
  secretName: "HMAC secret",
  verify: verifyGenericHmac,
});
