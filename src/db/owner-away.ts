import { eq, gt } from "drizzle-orm";
import type { Database } from "./client";
import { ownerAway } from "./schema";

/** A time-away period set at runtime (`PUT /admin/v1/owners/{id}/away`). */
export interface RuntimeAway {
  ownerId: string;
  /** Epoch ms; away from this moment on. */
  fromMs: number;
  untilMs: number;
  reason?: string;
}

/** Runtime time away that has not ended by `nowMs` (current and upcoming). */
export async function runtimeAwayAfter(db: Database, nowMs: number): Promise<RuntimeAway[]> {
  const rows = await db.select().from(ownerAway).where(gt(ownerAway.untilMs, nowMs));
  return rows.map((row) => ({ ownerId: row.ownerId, fromMs: row.fromMs, untilMs: row.untilMs, ...(row.reason === null ? {} : { reason: row.reason }) }));
}

/** Sets (or replaces) an owner's runtime time away. */
export async function setRuntimeAway(db: Database, away: RuntimeAway, setAt: number): Promise<void> {
  const values = { fromMs: away.fromMs, untilMs: away.untilMs, reason: away.reason ?? null, setAt };
  await db
    .insert(ownerAway)
    .values({ ownerId: away.ownerId, ...values })
    .onConflictDoUpdate({ target: ownerAway.ownerId, set: values });
}

/** Ends an owner's runtime time away; true when there was one. */
export async function clearRuntimeAway(db: Database, ownerId: string): Promise<boolean> {
  const removed = await db.delete(ownerAway).where(eq(ownerAway.ownerId, ownerId)).returning({ ownerId: ownerAway.ownerId });
  return removed.length > 0;
}
