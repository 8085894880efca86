import { and, asc, eq, gt, inArray, lte, min, sql } from "drizzle-orm";
import type { Database } from "./client";
import type { BuiltStatement } from "./json-rows";
import { events, type HeldLeadRow, heldLeads, leads } from "./schema";

/** `plan` is what waits for the owner (routing's `StoredHoldPlan`), stored as JSON. */
export type NewHold = Omit<HeldLeadRow, "status" | "plan" | "ownerId" | "releasedAt" | "updatedAt"> & { plan: unknown };

/** The insert that holds a lead; runs in the routing decision's batch. Deciding twice keeps the first hold. */
export function holdStatement(db: Database, hold: NewHold): BuiltStatement {
  return db
    .insert(heldLeads)
    .values({ ...hold, status: "held", plan: JSON.stringify(hold.plan), updatedAt: hold.heldAt })
    .onConflictDoNothing();
}

/** Held leads due to be tried by `nowMs`, earliest first, at most `limit`. */
export async function dueHolds(db: Database, nowMs: number, limit: number): Promise<HeldLeadRow[]> {
  return db
    .select()
    .from(heldLeads)
    .where(and(eq(heldLeads.status, "held"), lte(heldLeads.wakeAt, nowMs)))
    .orderBy(asc(heldLeads.wakeAt), asc(heldLeads.eventId))
    .limit(limit);
}

/** When the next held lead is due to be tried, if any. */
export async function nextHoldWake(db: Database): Promise<number | undefined> {
  const [row] = await db
    .select({ next: min(heldLeads.wakeAt) })
    .from(heldLeads)
    .where(eq(heldLeads.status, "held"));
  return row?.next ?? undefined;
}

export async function holdOf(db: Database, eventId: string): Promise<HeldLeadRow | undefined> {
  const [row] = await db.select().from(heldLeads).where(eq(heldLeads.eventId, eventId));
  return row;
}

/** Still nobody: try again at `wakeAt`. */
export function postponeHoldStatement(db: Database, eventId: string, wakeAt: number, nowMs: number): BuiltStatement {
  return db
    .update(heldLeads)
    .set({ wakeAt, updatedAt: nowMs })
    .where(and(eq(heldLeads.eventId, eventId), eq(heldLeads.status, "held")));
}

/**
 * Makes the held leads of these pools due at `wakeAt` (an owner's availability or
 * the pool's configuration changed); returns how many. Those nobody can take then
 * are postponed again.
 */
export async function wakeHoldsOfPools(db: Database, poolIds: readonly string[], wakeAt: number, nowMs: number): Promise<number> {
  if (poolIds.length === 0) return 0;
  const woken = await db
    .update(heldLeads)
    .set({ wakeAt, updatedAt: nowMs })
    .where(and(eq(heldLeads.status, "held"), inArray(heldLeads.poolId, [...poolIds]), gt(heldLeads.wakeAt, wakeAt)))
    .returning({ eventId: heldLeads.eventId });
  return woken.length;
}

/**
 * The statements that give a held lead its owner: the hold is released, the event
 * takes the owner (status `delivering`; the caller settles it with its deliveries)
 * and the story in its trace, and the lead the owner if it has none. Each applies
 * only while the hold or event is still `held`, so a second release changes nothing.
 */
export function releaseStatements(
  db: Database,
  hold: HeldLeadRow,
  owner: { ownerId?: string; reason: string; pool: string },
  explain: string,
  nowMs: number,
): BuiltStatement[] {
  const traceOwner = JSON.stringify({ ...owner, sticky: false });
  const at = new Date(nowMs).toISOString();
  const statements: BuiltStatement[] = [
    db
      .update(heldLeads)
      .set({ status: "released", ownerId: owner.ownerId ?? null, releasedAt: nowMs, updatedAt: nowMs })
      .where(and(eq(heldLeads.eventId, hold.eventId), eq(heldLeads.status, "held"))),
    db
      .update(events)
      .set({
        status: "delivering",
        ownerId: owner.ownerId ?? null,
        updatedAt: nowMs,
        trace: sql`json_set(coalesce(${events.trace}, '{}'),
          '$.owner', json(${traceOwner}),
          '$.hold.releasedAt', ${at},
          '$.hold.ownerId', ${owner.ownerId ?? null},
          '$.explain[#]', ${explain})`,
      })
      .where(and(eq(events.id, hold.eventId), eq(events.status, "held"))),
  ];
  if (owner.ownerId) {
    statements.push(
      db
        .update(leads)
        .set({ ownerId: owner.ownerId, updatedAt: nowMs })
        .where(and(eq(leads.id, hold.leadId), sql`${leads.ownerId} is null`)),
    );
  }
  return statements;
}
