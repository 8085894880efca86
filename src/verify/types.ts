import type { SourceConfig } from "../config/schema";

/** What a verifier sees: the raw bytes exactly as received, never a parsed body. */
export interface VerifyInput {
  rawBody: Uint8Array;
  headers: Headers;
  /** The URL the provider signed: the source's `publicUrl`, else the request URL. */
  url: string;
  /** HTTP method of the request (Twilio/HubSpot v2 sign it). */
  method: string;
  source: SourceConfig;
  /** Current time in whole seconds since the epoch (injected so tests can move it). */
  nowSeconds: number;
}

export type VerifyFailureCode = "signature_missing" | "signature_invalid" | "timestamp_out_of_tolerance";

export type VerifyOutcome =
  | {
      ok: true;
      /**
       * The provider's own id for this delivery, when the signature covers it: the
       * dedup key of the `delivery-id` strategy.
       */
      deliveryId?: string;
      /**
       * The provider's delivery id from a header the signature does not cover
       * (GitHub's `X-GitHub-Delivery`): kept with the event for tracing, never a
       * dedup key, since a replay can carry any value there.
       */
      unsignedDeliveryId?: string;
      /** The signed timestamp, seconds since the epoch, when the scheme has one. */
      signedAt?: number;
      /** Index of the secret that matched (rotation visibility), when secrets are used. */
      secretIndex?: number;
    }
  | { ok: false; code: VerifyFailureCode; detail: string };

/** The failed half of `VerifyOutcome`, for helpers that can only ever refuse. */
export type VerifyFailure = Extract<VerifyOutcome, { ok: false }>;

/**
 * One verifier per provider scheme (Convoy's `pkg/verifier` shape). A verifier must
 * never throw for bad input: every malformed header or body is a failed outcome.
 */
export interface Verifier {
  readonly provider: string;
  /** How the provider encodes bodies; the ingest path rejects what does not parse (400). */
  readonly bodyFormat: "json" | "form" | "any";
  verify(input: VerifyInput): Promise<VerifyOutcome>;
}
