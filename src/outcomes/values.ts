import type { OutcomeName } from "../config/schema";

export type ValueMap = Readonly<Record<string, OutcomeName>>;

/**
 * The outcome a CRM value stands for: the operator's `values` first, then the
 * format's defaults. Keys compare case-insensitively and trimmed, because CRMs
 * differ (HubSpot's lifecycle stages are lower case, its lead statuses upper case)
 * and an operator writing `Customer` means `customer`. `undefined`: the value is
 * not an outcome (e.g. a lead becoming a marketing-qualified lead).
 */
export function outcomeFor(value: string, defaults: ValueMap, overrides: ValueMap | undefined): OutcomeName | undefined {
  const key = normalize(value);
  if (key === "") return undefined;
  for (const map of [overrides ?? {}, defaults]) {
    for (const [candidate, outcome] of Object.entries(map)) if (normalize(candidate) === key) return outcome;
  }
  return undefined;
}

function normalize(value: string): string {
  return value.trim().toLowerCase();
}

/**
 * Epoch milliseconds from what CRMs send: epoch ms (HubSpot, Salesforce's
 * commitTimestamp), epoch seconds (Pipedrive v1), an ISO 8601 string (Pipedrive v2,
 * generic reports), or a numeric string. Numbers below 10^11 are seconds: as ms they
 * would be in 1973. `undefined` for anything else, so a bad date never fails a report.
 */
export function epochMs(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value) && value > 0) return Math.round(value < 1e11 ? value * 1000 : value);
  if (typeof value !== "string" || value.trim() === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return epochMs(Number(value));
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? undefined : parsed;
}

/** A CRM id as text: HubSpot and Pipedrive send numbers, Salesforce strings. */
export function idText(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isSafeInteger(value)) return String(value);
  if (typeof value === "string" && value.trim() !== "") return value.trim();
  return undefined;
}

export function emailText(value: unknown): string | undefined {
  return typeof value === "string" && value.includes("@") ? value.trim().toLowerCase() : undefined;
}
