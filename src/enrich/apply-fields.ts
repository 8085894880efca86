import type { EnrichmentConfig } from "../config/schema";
import { evaluateMapping } from "../lead/mapping";

export type AppliedFields = { ok: true; fields: Record<string, unknown> } | { ok: false; error: string };

/**
 * Runs an enrichment's `fields` (lead field → JSONata) over a lookup's answer with
 * the same compiler, cache and step budget as source mappings. Fields whose
 * expression finds nothing are left out; an expression that fails fails the
 * enrichment (the trace says which), rather than merging half an answer.
 */
export async function applyFields(enrichment: EnrichmentConfig, answer: unknown): Promise<AppliedFields> {
  const evaluated = await evaluateMapping(enrichment.fields, answer);
  if (!evaluated.ok) return { ok: false, error: evaluated.reason.replace(/^mapping failed/, "fields failed") };
  return { ok: true, fields: evaluated.raw };
}
