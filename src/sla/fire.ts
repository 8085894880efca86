import { poolAvailability } from "../assign/availability";
import { slaDueAt } from "../assign/sla-deadline";
import type { ConfigEnv } from "../config/store";
import { loadConfig } from "../config/store";
import type { LeadDelivery } from "../connectors/types";
import { createDb, type Database } from "../db/client";
import { plannedDeliveryRows } from "../db/decisions";
import { insertDeliveriesStatements } from "../db/deliveries";
import { getEvent } from "../db/events";
import { type BuiltStatement, runQueries } from "../db/json-rows";
import { runtimeAwayAfter } from "../db/owner-away";
import type { SlaTimerRow } from "../db/schema";
import {
  deliveriesOf,
  dueSlaTimers,
  firstOutcomeSince,
  historyOf,
  reassignStatements,
  type SlaHistoryEntry,
  settleSlaStatement,
  stoppingOutcomes,
  upsertDeliveriesOf,
} from "../db/sla-timers";
import { errorMessage, log } from "../lib/log";
import type { DeliveryMessage } from "../queue/messages";
import { sendMessages } from "../queue/messages";
import type { PlannedDelivery } from "../routing/decision";

/** Clocks fired per run; more wait for the next alarm (set at once) or the next minute. */
const perRun = 50;

export type SlaEnv = Env & ConfigEnv;

/**
 * Fires every SLA clock due by `nowMs`, each on its own (one that fails is logged
 * and tried again on the next run; the others go on). A clock whose outcome arrived
 * in time is marked met; a missed one is reassigned or escalated. Firing a clock twice
 * changes nothing more: the pool assignment, the delivery ids and the settle
 * statement are all keyed on the clock's event and its reassignment count.
 */
export async function fireDueSlas(env: SlaEnv, nowMs = Date.now()): Promise<{ fired: number; failed: number }> {
  const db = createDb(env.DB);
  const due = await dueSlaTimers(db, nowMs, perRun);
  if (due.length === 0) return { fired: 0, failed: 0 };
  const config = await loadConfig(env, () => {});
  let failed = 0;
  for (const timer of due) {
    try {
      await fireOne(env, db, config.document, timer, nowMs);
    } catch (error) {
      failed++;
      log("error", "SLA clock could not fire; it will be tried again", { eventId: timer.eventId, error: errorMessage(error) });
    }
  }
  return { fired: due.length - failed, failed };
}

async function fireOne(
  env: SlaEnv,
  db: Database,
  document: Awaited<ReturnType<typeof loadConfig>>["document"],
  timer: SlaTimerRow,
  nowMs: number,
): Promise<void> {
  const history = historyOf(timer);
  const settle = (update: Omit<Parameters<typeof settleSlaStatement>[3], "history" | "at">, entries: SlaHistoryEntry[]) =>
    settleSlaStatement(db, timer.eventId, timer.ownerId, { ...update, history: [...history, ...entries], at: nowMs });
  const until = timer.untilOutcome;
  const startedForOwner = [...history].reverse().find((entry) => entry.kind === "started" || entry.kind === "reassigned")?.at ?? timer.startedAt;

  const outcome = await firstOutcomeSince(db, timer.leadId, stoppingOutcomes(until), startedForOwner);
  if (outcome && outcome.occurredAt <= timer.dueAt) {
    const minutes = Math.round((outcome.occurredAt - startedForOwner) / 60_000);
    await runQueries(env.DB, [
      settle({ status: "met" }, [
        { at: nowMs, kind: "met", ownerId: timer.ownerId, note: `${outcome.outcome.replace("_", " ")} ${minutes} min after the start, in time` },
      ]).toSQL(),
    ]);
    log("info", "SLA met", { eventId: timer.eventId, ownerId: timer.ownerId });
    return;
  }

  const within = describeWithin(timer.withinMs);
  const missed: SlaHistoryEntry = {
    at: nowMs,
    kind: "missed",
    ownerId: timer.ownerId,
    note: `no ${until.replace("_", " ")} within ${within}${timer.workingHoursOnly ? " of working hours" : ""}`,
  };
  const next = timer.then === "reassign" ? await nextOwner(env, db, document, timer, nowMs) : undefined;
  const statements: BuiltStatement[] = [];
  const messages: DeliveryMessage[] = [];
  const entries: SlaHistoryEntry[] = [missed];
  let headline: string;
  // New deliveries are stored as routing stores them (one lead line per destination, so
  // they wait behind the lead's earlier deliveries) and queued after the batch.
  const queue = (plans: PlannedDelivery[]) => {
    statements.push(...insertDeliveriesStatements(db, plannedDeliveryRows(timer.eventId, plans, timer.leadId, plans[0]?.delivery.lead.email, nowMs)));
    messages.push(...plans.map((p) => ({ deliveryId: p.delivery.deliveryId, eventId: timer.eventId, destinationId: p.destinationId })));
  };
  let update: Omit<Parameters<typeof settleSlaStatement>[3], "history" | "at">;

  if (next?.ok) {
    const n = timer.reassignments + 1;
    entries.push({ at: nowMs, kind: "reassigned", ownerId: next.ownerId, note: `from ${timer.ownerId} to ${next.ownerId}: ${next.reason}` });
    statements.push(...reassignStatements(db, timer.eventId, timer.leadId, timer.ownerId, next.ownerId, nowMs));
    const rewrites = (await upsertDeliveriesOf(db, timer.eventId)).filter((row) => !row.id.includes(":sla"));
    const rows = rewrites.map((row, k) =>
      planned(`${timer.eventId}:sla${n}:${k}`, row.destinationId, "upsert", { ...parsePayload(row.payload), ownerId: next.ownerId }),
    );
    queue(rows);
    if (rows.length > 0)
      entries.push({ at: nowMs, kind: "reassigned", ownerId: next.ownerId, note: `new owner written to ${rows.map((r) => r.destinationId).join(", ")}` });
    // The new owner is held to the same SLA, until every member of the pool had a turn.
    const again = n < next.poolSize - 1;
    const owner = document.owners.find((o) => o.id === next.ownerId);
    const dueAt = slaDueAt(nowMs, timer.withinMs, owner, timer.workingHoursOnly);
    if (again)
      entries.push({ at: nowMs, kind: "started", ownerId: next.ownerId, note: `${until.replace("_", " ")} expected by ${new Date(dueAt).toISOString()}` });
    update = again ? { status: "running", ownerId: next.ownerId, dueAt, reassignments: n } : { status: "reassigned", ownerId: next.ownerId, reassignments: n };
    headline = `SLA missed: ${missed.note}; reassigned from ${timer.ownerId} to ${next.ownerId}`;
  } else {
    if (next && !next.ok) entries.push({ at: nowMs, kind: "escalated", ownerId: timer.ownerId, note: `no other owner available (${next.reason})` });
    else entries.push({ at: nowMs, kind: "escalated", ownerId: timer.ownerId, note: "escalated; the owner stays" });
    update = { status: "escalated" };
    headline = `SLA missed: ${missed.note}; owner ${timer.ownerId} keeps the lead`;
  }

  if (timer.notify) {
    const base = await notificationBase(db, timer);
    if (base) {
      queue([
        planned(`${timer.eventId}:sla${timer.reassignments + 1}:notify`, timer.notify, "notify", {
          ...base,
          ...(next?.ok ? { ownerId: next.ownerId } : {}),
          headline,
        }),
      ]);
      entries.push({ at: nowMs, kind: "notified", note: `told ${timer.notify}` });
    }
  }
  statements.unshift(settle(update, entries));
  // One batch: the clock, the owner change and the new deliveries land together.
  await runQueries(
    env.DB,
    statements.map((s) => s.toSQL()),
  );
  // Not sent (a queue error)? The rows are pending: the sweeper sends overdue deliveries.
  await sendMessages(env.DELIVERY_QUEUE, messages).catch((error: unknown) =>
    log("warn", "SLA deliveries not queued; the sweeper will send them", { eventId: timer.eventId, error: errorMessage(error) }),
  );
  log("warn", "SLA missed", { eventId: timer.eventId, ownerId: timer.ownerId, then: timer.then, newOwnerId: next?.ok ? next.ownerId : undefined });
}

type NextOwner = { ok: true; ownerId: string; reason: string; poolSize: number } | { ok: false; reason: string };

/** The pool's next available owner other than the one who missed (the pool's fallback owner when nobody is). */
async function nextOwner(
  env: SlaEnv,
  db: Database,
  document: Awaited<ReturnType<typeof loadConfig>>["document"],
  timer: SlaTimerRow,
  nowMs: number,
): Promise<NextOwner> {
  const pool = document.pools.find((p) => p.id === timer.poolId);
  if (!pool) return { ok: false, reason: `pool '${timer.poolId ?? "none"}' is not configured` };
  const away = await runtimeAwayAfter(db, nowMs);
  const availability = poolAvailability(pool, document.owners, away, nowMs);
  availability.unavailable[timer.ownerId] = "missed the SLA";
  const result = await env.OWNER_POOL.getByName(pool.id).assign({
    eventId: `${timer.eventId}:sla${timer.reassignments + 1}`,
    pool,
    nowMs,
    availability,
  });
  if (!result.ok) return { ok: false, reason: result.reason };
  if (result.ownerId === timer.ownerId) return { ok: false, reason: `only ${timer.ownerId} could take it` };
  return { ok: true, ownerId: result.ownerId, reason: result.reason, poolSize: pool.members.length + (pool.fallbackOwnerId ? 1 : 0) };
}

/** A delivery payload to build the notification from: the event's first delivery, else its stored lead. */
async function notificationBase(db: Database, timer: SlaTimerRow): Promise<LeadDelivery | undefined> {
  const [first] = (await deliveriesOf(db, timer.eventId)).filter((row) => !row.id.includes(":sla"));
  if (first) return { ...parsePayload(first.payload), properties: {} };
  const event = await getEvent(db, timer.eventId);
  if (!event?.lead) return undefined;
  return {
    deliveryId: "",
    eventId: event.id,
    sourceId: event.sourceId,
    routeId: timer.routeId,
    lead: JSON.parse(event.lead) as LeadDelivery["lead"],
    ownerId: timer.ownerId,
    properties: {},
  };
}

function parsePayload(payload: string): LeadDelivery {
  // Our own JSON, written when the event was routed.
  return JSON.parse(payload) as LeadDelivery;
}

function planned(id: string, destinationId: string, action: "upsert" | "notify", payload: LeadDelivery): PlannedDelivery {
  return { destinationId, action, delivery: { ...payload, deliveryId: id } };
}

function describeWithin(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Math.round(ms / 1000)}s`;
}
