import type { GatewayConfig, SourceConfig } from "../config/schema";
import type { Enrich, EnrichResult } from "../enrich/types";
import type { Lead } from "../lead/schema";
import type { EnrichmentTrace } from "./decision";
import { mergeFields } from "./enrich-merge";

/** Runs one `enrich` action; whatever happens, routing goes on with a valid lead. */
export async function runEnrichment(
  config: GatewayConfig,
  source: SourceConfig,
  routeId: string,
  enrichmentId: string,
  lead: Lead,
  deps: { enrich: Enrich },
): Promise<{ lead: Lead; trace: EnrichmentTrace }> {
  const enrichment = config.enrichments.find((e) => e.id === enrichmentId);
  if (!enrichment) {
    return { lead, trace: { route: routeId, enrichment: enrichmentId, outcome: "not_configured", reason: `enrichment '${enrichmentId}' is not configured` } };
  }
  let result: EnrichResult;
  try {
    result = await deps.enrich(enrichment, lead);
  } catch (error) {
    // Lookups report failures as values; this is the net under that promise.
    result = { outcome: "failed", error: error instanceof Error ? error.message : String(error) };
  }
  const base = { route: routeId, enrichment: enrichment.id, outcome: result.outcome, ...(result.key === undefined ? {} : { key: result.key }) };
  if (result.outcome === "failed") return { lead, trace: { ...base, error: result.error } };
  if (result.outcome === "skipped") return { lead, trace: { ...base, reason: result.reason } };
  const merged = mergeFields(lead, result.fields, { overwrite: enrichment.overwrite, defaultRegion: source.defaultRegion });
  return {
    lead: merged.lead,
    trace: {
      ...base,
      merged: merged.merged,
      ...(merged.kept.length ? { kept: merged.kept } : {}),
      ...(merged.warnings.length ? { reason: merged.warnings.join("; ") } : {}),
    },
  };
}

export function describeEnrichment(step: EnrichmentTrace): string {
  const what = `enrichment ${step.enrichment}${step.key ? ` (${step.key})` : ""}`;
  switch (step.outcome) {
    case "fetched":
    case "cached":
      return `${what}: ${step.outcome === "cached" ? "from the cache" : "looked up"}, ${step.merged?.length ? `set ${step.merged.join(", ")}` : "nothing new"}`;
    case "skipped":
    case "not_configured":
      return `${what}: skipped — ${step.reason ?? "no reason given"}`;
    case "failed":
      return `${what}: failed — ${step.error ?? "unknown error"}; routing went on without it`;
  }
}
