import { type MappedLead, normalizeLead } from "../lead/normalize";
import type { Lead } from "../lead/schema";

export interface MergeResult {
  lead: Lead;
  /** Fields the answer set (filled, or replaced under `overwrite`). */
  merged: string[];
  /** Fields the answer had that the lead already held, left as they were. */
  kept: string[];
  /** Answer values normalization dropped (an employee count that is not a number, …). */
  warnings: string[];
}

/**
 * Merges what an enrichment found into a lead and normalizes the result the way a
 * mapping's output is normalized, so a country name becomes `DE` and a phone E.164
 * whichever way they arrived. `fields` keys are lead fields or `custom.<name>`;
 * the email never changes (the configuration schema refuses it), so the merged lead
 * is always as valid as the one it came from. Absent values (null, "") set nothing.
 */
export function mergeFields(lead: Lead, fields: Record<string, unknown>, options: { overwrite: boolean; defaultRegion?: string }): MergeResult {
  const mapped: MappedLead = { ...lead, custom: { ...lead.custom } };
  const merged: string[] = [];
  const kept: string[] = [];
  for (const [path, value] of Object.entries(fields)) {
    if (value === undefined || value === null || value === "") continue;
    const customName = path.startsWith("custom.") ? path.slice("custom.".length) : undefined;
    const current = customName === undefined ? (mapped as Record<string, unknown>)[path] : mapped.custom[customName];
    if (current !== undefined && !options.overwrite) {
      kept.push(path);
      continue;
    }
    if (customName === undefined) (mapped as Record<string, unknown>)[path] = value;
    else mapped.custom[customName] = value;
    merged.push(path);
  }
  if (merged.length === 0) return { lead, merged, kept, warnings: [] };
  const normalized = normalizeLead(mapped, options.defaultRegion === undefined ? {} : { defaultRegion: options.defaultRegion });
  // Only the email can reject a lead, and it is never merged; kept as a guard.
  if (!normalized.ok) return { lead, merged: [], kept, warnings: [normalized.reason] };
  const dropped = new Set(normalized.warnings.map((w) => w.split(":")[0]));
  return { lead: normalized.lead, merged: merged.filter((f) => !dropped.has(f)), kept, warnings: normalized.warnings };
}
