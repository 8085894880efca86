import type { EnrichmentConfig } from "../config/schema";

/** Fingerprints per configuration object: a config is parsed once per load and reused for many leads. */
const scopes = new WeakMap<EnrichmentConfig, Promise<string>>();

/**
 * The cache scope of an enrichment: `<id>:<8 hex digits>`, the digits a SHA-256
 * of what decides the cached value (type, URL or destination, key kind, requested
 * properties, `fields`). Changing any of them starts an empty cache for the
 * enrichment, so a new mapping applies to the next lead rather than after the
 * old answers expire; the old rows age out and retention deletes them. Timeouts,
 * TTL, `overwrite` and the token do not change what is cached, so they keep it.
 */
export function cacheScope(enrichment: EnrichmentConfig): Promise<string> {
  let scope = scopes.get(enrichment);
  if (!scope) {
    scope = fingerprint(enrichment).then((digest) => `${enrichment.id}:${digest}`);
    scopes.set(enrichment, scope);
  }
  return scope;
}

async function fingerprint(enrichment: EnrichmentConfig): Promise<string> {
  const fields = Object.entries(enrichment.fields).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const what =
    enrichment.type === "http"
      ? { type: enrichment.type, url: enrichment.url, cacheBy: enrichment.cacheBy, fields }
      : { type: enrichment.type, destination: enrichment.destination, properties: enrichment.properties ?? null, fields };
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(JSON.stringify(what)));
  return [...new Uint8Array(digest).slice(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
