import type { EnrichmentConfig } from "../config/schema";
import type { Lead } from "../lead/schema";

export type LookupKey = { ok: true; key: string } | { ok: false; reason: string };

/**
 * What a lead is looked up (and cached) by: its company domain, or for an `http`
 * enrichment with `cacheBy: "email"` its email. Both are normalized already
 * (lower-case), so one company is one cache row however its leads spelled it.
 */
export function lookupKey(enrichment: EnrichmentConfig, lead: Lead): LookupKey {
  if (enrichment.type === "http" && enrichment.cacheBy === "email") {
    return lead.email ? { ok: true, key: lead.email } : { ok: false, reason: "the lead has no email to look up" };
  }
  return lead.domain
    ? { ok: true, key: lead.domain }
    : { ok: false, reason: "the lead has no company domain to look up (no website, and a free-mail or no email)" };
}
