import { sql } from "drizzle-orm";
import type { NewDelivery } from "./deliveries";
import { jsonFields, type RawQuery } from "./json-rows";
import { leads } from "./schema";

/** What a decision writes on its event row (lead and trace as JSON text). */
export interface EventDecision {
  id: string;
  status: "invalid" | "unmatched" | "routed" | "delivering" | "held";
  statusReason: string | null;
  lead: string | null;
  trace: string;
  routeId: string | null;
  experiment: string | null;
  arm: string | null;
  ownerId: string | null;
  leadId: string | null;
  decidedAt: number;
}

/** JSON per statement, well under D1's 2 MB per value: traces of big configurations can be large. */
const maxJsonPerStatement = 1024 * 1024;
/** The JSON row's fields as the columns of `d` (SQLite takes no column list after a subquery's alias). */
const decisionColumns = (
  [
    ["id", "id"],
    ["status", "status"],
    ["statusReason", "status_reason"],
    ["lead", "lead"],
    ["trace", "trace"],
    ["routeId", "route_id"],
    ["experiment", "experiment"],
    ["arm", "arm"],
    ["ownerId", "owner_id"],
    ["leadId", "lead_id"],
    ["decidedAt", "decided_at"],
  ] as const
)
  .map(([field, column]) => `${jsonFields([field])} AS ${column}`)
  .join(", ");

/**
 * Writes many decisions onto their events, as few statements as the size allows
 * (rows as one JSON parameter; src/db/json-rows.ts). An event only moves if it is
 * still `queued`, so a decision stored twice (a redelivered message) changes
 * nothing the second time. (`+events.status` keeps SQLite from driving the update
 * by the status index, which would visit every queued event, a whole backlog, for
 * each batch; it looks each row up by id instead.)
 */
export function decideEventsQueries(rows: readonly EventDecision[]): RawQuery[] {
  const queries: RawQuery[] = [];
  let chunk: string[] = [];
  let size = 0;
  const flush = () => {
    if (chunk.length === 0) return;
    queries.push({
      sql: `UPDATE events SET
          status = d.status, status_reason = d.status_reason, lead = d.lead, trace = d.trace,
          route_id = d.route_id, experiment = d.experiment, arm = d.arm, owner_id = d.owner_id,
          lead_id = d.lead_id, decided_at = d.decided_at, updated_at = d.decided_at
        FROM (SELECT ${decisionColumns} FROM json_each(?1)) AS d
        WHERE events.id = d.id AND +events.status = 'queued'`,
      params: [`[${chunk.join(",")}]`],
    });
    chunk = [];
    size = 0;
  };
  for (const row of rows) {
    const json = JSON.stringify(row);
    if (size + json.length > maxJsonPerStatement) flush();
    chunk.push(json);
    size += json.length + 1;
  }
  flush();
  return queries;
}

/**
 * Planned deliveries as rows to insert. Their lead is the lead row of this email as
 * it stands when the rows are written (same batch as the lead's upsert): a
 * concurrent routing batch may have recorded the email first under its own id, and
 * one person's deliveries must share one lead to run in order. `planned` are
 * routing's planned deliveries (src/routing/decision.ts), stored whole as the payload.
 */
export function plannedDeliveryRows(
  eventId: string,
  planned: readonly { destinationId: string; action: NewDelivery["action"]; delivery: { deliveryId: string } }[],
  leadId: string,
  email: string | undefined,
  nowMs: number,
): NewDelivery[] {
  const deliveryLeadId = email ? sql`coalesce((select ${leads.id} from ${leads} where ${leads.email} = ${email}), ${leadId})` : leadId;
  return planned.map((p) => ({
    id: p.delivery.deliveryId,
    eventId,
    destinationId: p.destinationId,
    leadId: deliveryLeadId,
    action: p.action,
    status: "pending" as const,
    attempts: 0,
    payload: JSON.stringify(p.delivery),
    nextAttemptAt: nowMs,
    createdAt: nowMs,
    updatedAt: nowMs,
  }));
}
