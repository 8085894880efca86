import type { OutcomeFeedbackConfig, OutcomeName } from "../config/schema";
import type { SkippedItem } from "./types";

/** The key a report was linked by. */
export type MatchBy = "lead_id" | "event_id" | "crm_record_id" | "email";

/** What became of one report, as stored in the report event's trace. */
export interface ReportTrace {
  /** Position of the item in the payload. */
  item: number;
  outcome: OutcomeName;
  /** What was read, in words (e.g. `contact 501: lifecyclestage = customer`). */
  read: string;
  occurredAt: number;
  /** `payload`: the CRM said when; `received`: it did not, so the time the report arrived. */
  occurredAtFrom: "payload" | "received";
  /**
   * `recorded`: a new outcome row. `already_recorded`: the lead had this outcome
   * already (first report wins), nothing changed. `unmatched`: no lead found.
   */
  result: "recorded" | "already_recorded" | "unmatched";
  match?: { by: MatchBy; value: string; destinationId?: string };
  /** Keys tried before the match (or all of them, when unmatched), with why each failed. */
  tried: string[];
  leadId?: string;
  /** The lead's routed event credited with the outcome, and where it went. */
  creditedEventId?: string;
  routeId?: string;
  experiment?: string | null;
  arm?: string | null;
  ownerId?: string | null;
  /** For `already_recorded`: the report event that recorded it first. */
  firstReportedBy?: string;
  /** For `unmatched`: why, in words. */
  reason?: string;
}

/** The trace of an outcome source's event (events.trace), unlike a lead's decision trace. */
export interface OutcomeTrace {
  kind: "outcomes";
  format: OutcomeFeedbackConfig["format"] | "unknown";
  reports: ReportTrace[];
  /** Items that carried no outcome, and why. */
  skipped: SkippedItem[];
  /** Why the payload could not be read at all (the event is `invalid`). */
  error?: string;
}

/** A stored trace, if it is an outcome trace. */
export function asOutcomeTrace(value: unknown): OutcomeTrace | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  if (!("kind" in value) || value.kind !== "outcomes") return undefined;
  if (!("reports" in value && Array.isArray(value.reports)) || !("skipped" in value && Array.isArray(value.skipped))) return undefined;
  return value as OutcomeTrace;
}
