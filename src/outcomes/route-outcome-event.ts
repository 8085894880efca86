import type { SourceConfig } from "../config/schema";
import type { ActiveConfig } from "../config/store";
import { crmTypes, isCrmType } from "../connectors/registry";
import type { Database } from "../db/client";
import type { BuiltStatement } from "../db/json-rows";
import { createOutcomeLookups, recordOutcomeStatement, settleReportStatement } from "../db/outcomes";
import type { EventRow } from "../db/schema";
import { payloadOf } from "../ingest/event-payload";
import type { LogFields } from "../lib/log";
import type { DeliveryMessage } from "../queue/messages";
import { parseOutcomes } from "./formats";
import { type LinkContext, linkReport } from "./link";
import type { OutcomeTrace, ReportTrace } from "./trace";
import type { CrmType, SkippedItem } from "./types";

/**
 * Most reports one event may carry. HubSpot batches at most 100 events per
 * request; a larger body is not a CRM's, and each report costs a few reads.
 */
export const maxReportsPerEvent = 100;

/** Same shape as the routing consumer's result: an outcome event sends no deliveries. */
export interface OutcomeRouting {
  statements: BuiltStatement[];
  deliveries: DeliveryMessage[];
  logFields: LogFields;
}

/**
 * Handles an event of an outcome source in place of routing: reads the reports in
 * the source's format, links each to its lead and the routed event credited with
 * it, and returns the statements that record them and settle the event —
 * `recorded` (at least one report linked), `unmatched` (none could be), `invalid`
 * (unreadable) — with a trace of every report. Idempotent like routing: outcomes are
 * INSERT OR IGNORE per (lead, outcome) and the event only moves from `queued`.
 */
export async function routeOutcomeEvent(db: Database, config: ActiveConfig, source: SourceConfig, event: EventRow, nowMs: number): Promise<OutcomeRouting> {
  const format = source.outcomes?.format ?? "unknown";
  const invalid = (reason: string, skipped: SkippedItem[] = []) =>
    settle(db, event, nowMs, { kind: "outcomes", format, reports: [], skipped, error: reason }, "invalid", reason);

  if (!source.outcomes) return invalid(`Source '${source.id}' has kind 'outcomes' but no 'outcomes' settings.`);
  const payload = payloadOf(event, source);
  if (!payload.ok) return invalid(payload.reason);
  const parsed = parseOutcomes(payload.payload, source.outcomes);
  if (!parsed.ok) return invalid(parsed.reason);
  const { reports, skipped } = parsed;
  if (reports.length > maxReportsPerEvent) {
    return invalid(`${reports.length} reports in one event; at most ${maxReportsPerEvent} are read (send smaller batches).`);
  }
  const malformed = skipped.filter((s) => s.kind === "malformed");
  if (reports.length === 0 && malformed.length > 0 && malformed.length === skipped.length) {
    return invalid(`Not a ${format} outcome payload: ${malformed[0]?.reason ?? ""}`, skipped);
  }

  const ctx: LinkContext = { lookups: createOutcomeLookups(db), crmDestinations: crmDestinationsOf(config), receivedAt: event.receivedAt };
  const traces = markRepeats(await Promise.all(reports.map((report) => linkReport(report, ctx))), ctx, event.id);
  const resolved = await Promise.all(traces);
  const trace: OutcomeTrace = { kind: "outcomes", format, reports: resolved, skipped };

  const linked = resolved.filter((r) => r.result !== "unmatched");
  const statements = resolved.flatMap((r, index) =>
    r.result === "recorded" && r.leadId && r.creditedEventId
      ? [
          recordOutcomeStatement(db, {
            // Stable per report, like delivery ids: a rerun writes the same row or none.
            id: `${event.id}:${index}`,
            leadId: r.leadId,
            outcome: r.outcome,
            occurredAt: r.occurredAt,
            leadEventId: r.creditedEventId,
            reportEventId: event.id,
            recordedAt: nowMs,
          }),
        ]
      : [],
  );
  const routed =
    linked.length > 0
      ? settle(db, event, nowMs, trace, "recorded", null)
      : settle(
          db,
          event,
          nowMs,
          trace,
          "unmatched",
          resolved.length === 0
            ? `No outcome in this payload${skipped[0] ? `: ${skipped[0].reason}` : "."}`
            : `No report matched a lead: ${resolved[0]?.reason ?? ""}`,
        );
  return {
    ...routed,
    statements: [...statements, ...routed.statements],
    logFields: {
      ...routed.logFields,
      outcomes: statements.length,
      repeated: linked.length - statements.length,
      unmatchedReports: resolved.length - linked.length,
    },
  };
}

/**
 * A report whose lead already has that outcome changes nothing (first report wins);
 * so does the second of two equal reports in one payload. The trace says which
 * event recorded it first.
 */
function markRepeats(traces: ReportTrace[], ctx: LinkContext, eventId: string): Promise<ReportTrace>[] {
  // One lookup per (lead, outcome), shared by its repeats within the payload.
  const earlier = new Map<string, Promise<string | undefined>>();
  return traces.map(async (trace): Promise<ReportTrace> => {
    if (trace.result !== "recorded" || !trace.leadId) return trace;
    const key = `${trace.leadId}:${trace.outcome}`;
    const lookup = earlier.get(key);
    if (lookup) return { ...trace, result: "already_recorded", firstReportedBy: (await lookup) ?? eventId };
    const first = ctx.lookups.recordedBy(trace.leadId, trace.outcome);
    earlier.set(key, first);
    const by = await first;
    return by ? { ...trace, result: "already_recorded", firstReportedBy: by } : trace;
  });
}

/** Destination ids per CRM type, every CRM connector present (with no ids when none is configured). */
function crmDestinationsOf(config: ActiveConfig): Record<CrmType, string[]> {
  const ids = Object.fromEntries(crmTypes.map((type) => [type, [] as string[]])) as Record<CrmType, string[]>;
  for (const d of config.document.destinations) if (isCrmType(d.type)) ids[d.type].push(d.id);
  return ids;
}

function settle(
  db: Database,
  event: EventRow,
  nowMs: number,
  trace: OutcomeTrace,
  status: "recorded" | "unmatched" | "invalid",
  reason: string | null,
): OutcomeRouting {
  return {
    statements: [settleReportStatement(db, event.id, { status, reason, trace: JSON.stringify(trace), nowMs })],
    deliveries: [],
    logFields: { eventId: event.id, sourceId: event.sourceId, status, kind: "outcomes" },
  };
}
