import type { SourceConfig } from "../config/schema";
import { sha256, toHex } from "../verify/crypto";
import { type ParsedBody, valueAtPath } from "./parse-body";

/**
 * The key the inbox deduplicates on. By default the provider's delivery id when its
 * signature covers it (a redelivery repeats it), else a SHA-256 of the body: an id
 * the signature does not cover never counts, or a replay with a new id would be a
 * new event. Prefixes keep the kinds apart so a delivery id can never collide with a
 * hash.
 */
export async function dedupKeyFor(
  source: SourceConfig,
  /** The verifier's signed delivery id (`VerifyOutcome.deliveryId`), never an unsigned one. */
  deliveryId: string | undefined,
  body: ParsedBody,
  raw: Uint8Array,
): Promise<string | null> {
  const strategy = source.dedup ?? { by: "delivery-id" as const };
  switch (strategy.by) {
    case "none":
      return null;
    case "delivery-id":
      if (deliveryId) return `d:${deliveryId}`;
      break;
    case "json-path": {
      const value = valueAtPath(body, strategy.path);
      if (typeof value === "string" || typeof value === "number") return `p:${value}`;
      break;
    }
    case "body-hash":
      break;
  }
  return `h:${toHex(await sha256(raw))}`;
}
