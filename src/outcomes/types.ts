import type { OutcomeName } from "../config/schema";
import type { CrmType } from "../connectors/registry";

/** The CRMs whose record ids link a report back to a delivery (deliveries.external_id): connectors declared `crm`. */
export type { CrmType };

/** How a report names its lead, most specific first; linking tries them in that order. */
export interface ReportKeys {
  /** Our lead id (`lead_…`), from a generic report. */
  leadId?: string;
  /** One of our event ids (`evt_…`), from a generic report. */
  eventId?: string;
  /** The CRM's own id of the record a delivery created (HubSpot contact, Salesforce record, Pipedrive person). */
  crm?: { type: CrmType; recordId: string };
  /** Lower-cased. */
  email?: string;
}

/** One outcome read from a payload, not yet linked to a lead. */
export interface OutcomeReport {
  /** Position of the item in the payload it came from (0 for a single object). */
  item: number;
  outcome: OutcomeName;
  /** Epoch ms, when the payload says when it happened. */
  occurredAt?: number;
  keys: ReportKeys;
  /** What was read, in words, for the trace: e.g. `lifecyclestage = customer`. */
  read: string;
}

/**
 * An item of the payload that yields no outcome. `ignored`: readable but not an
 * outcome (a property not watched, a value mapped to nothing, a deletion).
 * `malformed`: not the shape the format expects.
 */
export interface SkippedItem {
  item: number;
  kind: "ignored" | "malformed";
  reason: string;
}

/** What a format parser made of a payload. `ok: false` when the payload as a whole is unreadable. */
export type ParsedOutcomes = { ok: true; reports: OutcomeReport[]; skipped: SkippedItem[] } | { ok: false; reason: string };
