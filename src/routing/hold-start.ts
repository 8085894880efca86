import type { GatewayConfig } from "../config/schema";
import type { NewHold } from "../db/holds";
import type { HeldLeadRow } from "../db/schema";
import type { HoldPlan, PlannedDelivery, SlaPlan } from "./decision";

/** What waits for a held lead's owner, stored as JSON in `held_leads.plan`. */
export interface StoredHoldPlan {
  deliveries: PlannedDelivery[];
  sla?: SlaPlan;
}

export function planOf(row: HeldLeadRow): StoredHoldPlan {
  // Our own JSON, written by holdStatement from holdRowFor's row.
  return JSON.parse(row.plan) as StoredHoldPlan;
}

/** How soon a held lead nobody will take on their own (every member paused, no hours) is looked at again. */
export const holdRecheckMs = 3_600_000;
/**
 * The earliest retry of a held lead: a member available by their hours may still be
 * at their daily cap, which only the owner pool knows; it resets at the owner's
 * midnight, so trying every quarter hour finds them soon enough at little cost.
 */
export const holdRetryMs = 15 * 60_000;

/** When to try a held lead again, from the first moment a member should be available. */
export function holdWakeAt(untilMs: number | undefined, nowMs: number): number {
  if (untilMs === undefined) return nowMs + holdRecheckMs;
  return untilMs > nowMs ? untilMs : nowMs + holdRetryMs;
}

/** The row a held decision stores (with its SLA, which starts once the lead has an owner). */
export function holdRowFor(hold: HoldPlan, sla: SlaPlan | undefined, eventId: string, leadId: string, nowMs: number): NewHold {
  return {
    eventId,
    leadId,
    routeId: hold.route,
    poolId: hold.pool,
    reason: hold.reason,
    plan: { deliveries: hold.deliveries, ...(sla ? { sla } : {}) } satisfies StoredHoldPlan,
    heldAt: nowMs,
    wakeAt: holdWakeAt(hold.untilMs, nowMs),
  };
}

/** Whether any pool of the configuration holds leads (else the hold clock never needs waking). */
export function hasHolds(document: GatewayConfig): boolean {
  return document.pools.some((pool) => pool.whenNobodyAvailable === "hold");
}

/** Asks the hold clock to ring by `wakeAt`; the cron covers a lost call. */
export async function wakeHoldClock(env: Pick<Env, "HOLD_CLOCK">, wakeAt: number): Promise<void> {
  await env.HOLD_CLOCK.getByName("holds").wake(wakeAt);
}
