import type { Verifier, VerifyFailure, VerifyInput, VerifyOutcome } from "./types";

/**
 * A Unix time in whole seconds as providers send it: digits only, so a sign, a fraction
 * or an exponent ("1e9") is refused rather than read by `Number` as some other time.
 */
export const UNIX_SECONDS = /^[0-9]{1,12}$/;

type Clock = Pick<VerifyInput, "nowSeconds" | "source">;

function outOfTolerance(skewSeconds: number, toleranceSeconds: number): VerifyFailure {
  return {
    ok: false,
    code: "timestamp_out_of_tolerance",
    detail: `The signed timestamp is ${skewSeconds} s from now, beyond the ${toleranceSeconds} s tolerance.`,
  };
}

/**
 * The failure when `signedAt` (Unix seconds) is further from now than the source's
 * `toleranceSeconds`, else undefined. Both directions count: a timestamp from the future
 * is as much a replay risk as a stale one.
 */
export function toleranceFailure(signedAt: number, { nowSeconds, source }: Clock): VerifyFailure | undefined {
  const skew = Math.abs(nowSeconds - signedAt);
  return skew > source.toleranceSeconds ? outOfTolerance(skew, source.toleranceSeconds) : undefined;
}

/** `toleranceFailure` for schemes that sign Unix milliseconds (HubSpot v3, Linear). */
export function toleranceFailureMs(signedAtMs: number, { nowSeconds, source }: Clock): VerifyFailure | undefined {
  // Compared in milliseconds so a skew a fraction of a second past the tolerance still fails.
  const skewMs = Math.abs(nowSeconds * 1000 - signedAtMs);
  return skewMs > source.toleranceSeconds * 1000 ? outOfTolerance(Math.round(skewMs / 1000), source.toleranceSeconds) : undefined;
}

/** What a verified request may report; absent or empty fields are left out of the outcome. */
export interface VerifiedFields {
  /** The provider's delivery id, covered by the signature; `null` (a missing header) and "" count as absent. */
  deliveryId?: string | null | undefined;
  /** A delivery id the signature does not cover (see `VerifyOutcome`); absent the same way. */
  unsignedDeliveryId?: string | null | undefined;
  signedAt?: number | undefined;
  secretIndex?: number | undefined;
}

/** The success outcome, carrying only what the scheme actually provided. */
export function verified({ deliveryId, unsignedDeliveryId, signedAt, secretIndex }: VerifiedFields): VerifyOutcome {
  return {
    ok: true,
    ...(deliveryId ? { deliveryId } : {}),
    ...(unsignedDeliveryId ? { unsignedDeliveryId } : {}),
    ...(signedAt === undefined ? {} : { signedAt }),
    ...(secretIndex === undefined ? {} : { secretIndex }),
  };
}

/** One provider's scheme, as `defineVerifier` turns it into a `Verifier`. */
export interface VerifierDefinition {
  provider: string;
  bodyFormat: Verifier["bodyFormat"];
  /**
   * What the provider calls its secret ("signing secret", "auth token"). When set, a
   * source with no secrets is refused before `verify` runs, naming it so an operator
   * knows what to configure; omitted for schemes that use none.
   */
  secretName?: string;
  /** The scheme itself; it may throw, which `defineVerifier` turns into a failed outcome. */
  verify(input: VerifyInput): Promise<VerifyOutcome>;
}

/**
 * A `Verifier` from a provider's scheme, keeping the contract that `verify` never
 * throws: any exception (a malformed key WebCrypto refuses, say) becomes
 * `signature_invalid`, so a bad request can never surface as a 5xx.
 */
export function defineVerifier({ provider, bodyFormat, secretName, verify }: VerifierDefinition): Verifier {
  return {
    provider,
    bodyFormat,
    async verify(input) {
      if (secretName !== undefined && input.source.secrets.length === 0) {
        return { ok: false, code: "signature_invalid", detail: `The source has no ${secretName} configured.` };
      }
      try {
        return await verify(input);
      } catch {
        return { ok: false, code: "signature_invalid", detail: "The signature could not be verified." };
      }
    },
  };
}
