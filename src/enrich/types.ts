import type { EnrichmentConfig } from "../config/schema";
import type { Lead } from "../routing/lead";

/**
 * What one enrichment lookup came to. Never an exception: a lookup that fails or
 * runs out of time is an outcome like any other, recorded in the trace, and routing
 * goes on without the extra fields.
 */
export type EnrichResult =
  /** `fields`: lead field → value as the enrichment's mapping produced them (not yet normalized). */
  | { outcome: "fetched" | "cached"; key: string; fields: Record<string, unknown> }
  /** No key to look up with (no domain, no email), or nothing was found for it. */
  | { outcome: "skipped"; key?: string; reason: string }
  | { outcome: "failed"; key?: string; error: string };

/** Looks a lead up with one configured enrichment. The simulator passes one that never writes the cache. */
export type Enrich = (enrichment: EnrichmentConfig, lead: Lead) => Promise<EnrichResult>;
