import type { AccountOwnerConfig, EnrichmentConfig } from "../config/schema";
import type { Lead } from "../lead/schema";

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

/** A CRM company (HubSpot) or account (Salesforce) a lead was matched to. */
export interface AccountRecord {
  id: string;
  name?: string;
  domain?: string;
  /** The record's owner in the CRM, if it has one. */
  ownerId?: string;
}

/** How a lead was matched to its account: the key kind and the normalized key. */
export type AccountMatchBy = "domain" | "name";

/**
 * What the account lookup came to. Never an exception: a failed search is an
 * outcome, and routing assigns from the fallback pool.
 */
export type AccountLookup =
  | { outcome: "matched"; by: AccountMatchBy; key: string; cached: boolean; record: AccountRecord }
  /** Every key was tried: `found` says, per key, whether nothing matched or (simulator) the cache had no answer. */
  | { outcome: "no_match"; tried: { by: AccountMatchBy; key: string; found: "none" | "none_cached" | "not_cached" }[] }
  /** The lead has no key: no company domain (free mail or none) and no company name. */
  | { outcome: "skipped"; reason: string }
  | { outcome: "failed"; by: AccountMatchBy; key: string; error: string };

/** Finds a lead's account in the option's CRM. The simulator passes one that reads the cache only. */
export type FindAccount = (option: AccountOwnerConfig, lead: Lead) => Promise<AccountLookup>;
