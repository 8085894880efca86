import type { DestinationConfig, EnrichmentConfig } from "../config/schema";
import { refreshConfig } from "../config/store";
import { allowHttpFrom } from "../connectors/http";
import { createDb } from "../db/client";
import type { Lead } from "../lead/schema";
import { errorMessage } from "../lib/log";
import type { LookupAnswer } from "./answer";
import { applyFields } from "./apply-fields";
import { createCacheIo } from "./cache-io";
import { cacheScope } from "./cache-scope";
import { lookupHttp } from "./http-lookup";
import { lookupHubspotCompany } from "./hubspot-company";
import { lookupKey } from "./lookup-key";
import type { Enrich, EnrichResult } from "./types";

export interface EnricherOptions {
  /** Store what lookups found (the consumer); the simulator writes nothing. */
  writeCache: boolean;
  /** Call endpoints on a cache miss (the consumer); the simulator answers from the cache only. */
  callLookups: boolean;
  /**
   * Where a `hubspot-company` enrichment finds its destination's token. Unset: the
   * configuration this isolate holds (the one routing is using).
   */
  destinations?: readonly DestinationConfig[];
  /** The clock, for tests. */
  now?: () => number;
}

type EnricherEnv = Pick<Env, "DB" | "CONFIG" | "CONFIG_CACHE_SECONDS"> & {
  CONFIG_KEY?: string;
  ALLOW_HTTP_DESTINATIONS?: string;
  /** The destinations' limiters: a `hubspot-company` lookup shares its destination's. */
  DESTINATION_LIMITER?: Env["DESTINATION_LIMITER"];
};

/**
 * The enrichment lookups routing uses: key → cache (unexpired row) → lookup →
 * `fields` → cache. Every outcome is a value; the cache is a help, never a
 * dependency: a cache that cannot be read means a lookup, one that cannot be
 * written still returns what was fetched. `writeCache: false` and
 * `callLookups: false` give the simulator's read-only version (cache hits only).
 */
export function createEnricher(env: EnricherEnv, options: EnricherOptions): Enrich {
  const cache = createCacheIo(createDb(env.DB), { writeCache: options.writeCache, now: options.now ?? Date.now });
  const allowHttp = allowHttpFrom(env);

  const destinations = async (): Promise<readonly DestinationConfig[]> =>
    // An infinite minimum age returns the isolate's copy, the one routing decided with.
    options.destinations ?? (await refreshConfig(env, Number.POSITIVE_INFINITY)).document.destinations;

  async function lookup(enrichment: EnrichmentConfig, key: string, lead: Lead): Promise<LookupAnswer> {
    if (enrichment.type === "http") return lookupHttp(enrichment, key, lead, { allowHttp });
    const destination = (await destinations()).find((d) => d.id === enrichment.destination);
    if (destination?.type !== "hubspot") {
      return { kind: "failed", error: `destination '${enrichment.destination}' is not a configured hubspot destination` };
    }
    const limiter = env.DESTINATION_LIMITER?.getByName(destination.id);
    return lookupHubspotCompany(enrichment, destination, key, { allowHttp, ...(limiter ? { limiter } : {}) });
  }

  async function enrich(enrichment: EnrichmentConfig, lead: Lead): Promise<EnrichResult> {
    const found = lookupKey(enrichment, lead);
    if (!found.ok) return { outcome: "skipped", reason: found.reason };
    const { key } = found;
    const caching = enrichment.cacheSeconds > 0;
    const scope = caching ? await cacheScope(enrichment) : undefined;

    if (scope !== undefined) {
      const cached = await cache.read(scope, key);
      if (cached?.fields === null) return { outcome: "skipped", key, reason: `${notFoundReason(enrichment, key)} (cached answer)` };
      if (cached) return { outcome: "cached", key, fields: cached.fields };
    }
    if (!options.callLookups) {
      return {
        outcome: "skipped",
        key,
        reason: caching ? "not in the cache; a simulation calls no lookups" : "not cached (cacheSeconds is 0); a simulation calls no lookups",
      };
    }

    const answer = await lookup(enrichment, key, lead);
    if (answer.kind === "failed") return { outcome: "failed", key, error: answer.error };
    if (answer.kind === "not_found") {
      if (scope !== undefined) await cache.write(scope, key, null, enrichment.cacheSeconds);
      return { outcome: "skipped", key, reason: notFoundReason(enrichment, key) };
    }
    const applied = await applyFields(enrichment, answer.answer);
    if (!applied.ok) return { outcome: "failed", key, error: applied.error };
    if (scope !== undefined) await cache.write(scope, key, applied.fields, enrichment.cacheSeconds);
    return { outcome: "fetched", key, fields: applied.fields };
  }

  return async (enrichment, lead) => {
    try {
      return await enrich(enrichment, lead);
    } catch (error) {
      // Each step reports failures as values; this keeps a bug from failing a routing batch.
      return { outcome: "failed", error: `enrichment failed unexpectedly: ${errorMessage(error)}` };
    }
  };
}

/** The trace's words for a negative answer, fetched or (with " (cached answer)") from the cache. */
function notFoundReason(enrichment: EnrichmentConfig, key: string): string {
  return enrichment.type === "hubspot-company" ? `no HubSpot company with domain ${key}` : `the endpoint knows nothing about ${key}`;
}
