import { poolAvailability } from "../assign/availability";
import { nextAvailableAt } from "../assign/next-available";
import type { GatewayConfig } from "../config/schema";
import { type ConfigEnv, loadConfig } from "../config/store";
import { createDb, type Database } from "../db/client";
import { plannedDeliveryRows } from "../db/decisions";
import { insertDeliveriesStatements, settleEventsStatement } from "../db/deliveries";
import { dueHolds, postponeHoldStatement, releaseStatements } from "../db/holds";
import { type BuiltStatement, runQueries } from "../db/json-rows";
import { type RuntimeAway, runtimeAwayAfter } from "../db/owner-away";
import type { HeldLeadRow } from "../db/schema";
import { startSlaStatement } from "../db/sla-timers";
import { matchKeys } from "../lead/match";
import { errorMessage, log } from "../lib/log";
import { type DeliveryMessage, sendMessages } from "../queue/messages";
import { holdWakeAt, planOf } from "../routing/hold-start";
import { slaTimerFor, wakeSlaClock } from "../routing/sla-start";

/** Held leads tried per run; more wait for the next alarm (set at once) or the next minute. */
const perRun = 50;

export type HoldEnv = Env & ConfigEnv;

export interface ReleaseRun {
  released: number;
  /** Still nobody to take them: tried again later. */
  postponed: number;
  failed: number;
}

/**
 * Tries every held lead due by `nowMs`, each on its own (one that fails is logged
 * and tried again on the next run). A lead a member can take now is assigned
 * through the owner pool (idempotent per event, so a run that dies half way gives
 * the same owner the next time), then its waiting deliveries are written with that
 * owner and queued, and its SLA starts. The rest are postponed to the next moment a
 * member should be available.
 */
export async function releaseDueHolds(env: HoldEnv, nowMs = Date.now()): Promise<ReleaseRun> {
  const db = createDb(env.DB);
  const due = await dueHolds(db, nowMs, perRun);
  const run: ReleaseRun = { released: 0, postponed: 0, failed: 0 };
  if (due.length === 0) return run;
  const { document } = await loadConfig(env, () => {});
  const away = await runtimeAwayAfter(db, nowMs);
  const slaDue: number[] = [];
  for (const hold of due) {
    try {
      const outcome = await releaseOne(env, db, document, away, hold, nowMs);
      if (outcome.released) {
        run.released++;
        if (outcome.slaDueAt !== undefined) slaDue.push(outcome.slaDueAt);
      } else run.postponed++;
    } catch (error) {
      run.failed++;
      log("error", "held lead could not be released; it will be tried again", { eventId: hold.eventId, error: errorMessage(error) });
    }
  }
  if (slaDue.length > 0) {
    await wakeSlaClock(env, Math.min(...slaDue)).catch((error: unknown) => log("warn", "SLA clock not woken", { error: errorMessage(error) }));
  }
  return run;
}

type ReleaseOutcome = { released: true; slaDueAt?: number } | { released: false };

async function releaseOne(
  env: HoldEnv,
  db: Database,
  document: GatewayConfig,
  away: readonly RuntimeAway[],
  hold: HeldLeadRow,
  nowMs: number,
): Promise<ReleaseOutcome> {
  const pool = document.pools.find((p) => p.id === hold.poolId);
  let owner: { ownerId?: string; reason: string; pool: string; fallback?: boolean };
  if (!pool) {
    owner = { pool: hold.poolId, reason: `pool '${hold.poolId}' is no longer configured; released without an owner` };
  } else {
    const availability = poolAvailability(pool, document.owners, away, nowMs);
    const result = await env.OWNER_POOL.getByName(pool.id).assign({ eventId: hold.eventId, pool, nowMs, availability });
    if (!result.ok && result.hold) {
      const wakeAt = holdWakeAt(nextAvailableAt(pool, document.owners, away, nowMs), nowMs);
      await runQueries(env.DB, [postponeHoldStatement(db, hold.eventId, wakeAt, nowMs).toSQL()]);
      return { released: false };
    }
    // A pool switched to `fallback` since: its fallback owner, or nobody.
    owner = result.ok ? { ownerId: result.ownerId, reason: result.reason, pool: pool.id, fallback: result.fallback } : { pool: pool.id, reason: result.reason };
  }

  const plan = planOf(hold);
  const { ownerId } = owner;
  const fallbackOwnerId = pool?.fallbackOwnerId !== undefined && pool.fallbackOwnerId !== ownerId ? pool.fallbackOwnerId : undefined;
  const planned = plan.deliveries.map((p) => ({
    ...p,
    delivery: { ...p.delivery, ...(ownerId ? { ownerId } : {}), ...(ownerId && fallbackOwnerId ? { fallbackOwnerId } : {}) },
  }));
  const explain = `released after ${describeWait(nowMs - hold.heldAt)} on hold: ${ownerId ? `owner ${ownerId}` : "no owner"} — ${owner.reason}`;
  const statements: BuiltStatement[] = releaseStatements(db, hold, owner, explain, nowMs);
  const email = planned[0] ? matchKeys(planned[0].delivery.lead).email : undefined;
  statements.push(...insertDeliveriesStatements(db, plannedDeliveryRows(hold.eventId, planned, hold.leadId, email, nowMs)));
  const sla = plan.sla && ownerId ? slaTimerFor(document, { sla: plan.sla, ownerId, routeId: hold.routeId }, hold.eventId, hold.leadId, nowMs) : undefined;
  if (sla) statements.push(startSlaStatement(db, sla));
  statements.push(settleEventsStatement(db, [hold.eventId], nowMs));
  // One batch: the owner, the deliveries and the SLA land together, or none does.
  await runQueries(
    env.DB,
    statements.map((s) => s.toSQL()),
  );

  const messages: DeliveryMessage[] = planned.map((p) => ({ deliveryId: p.delivery.deliveryId, eventId: hold.eventId, destinationId: p.destinationId }));
  // Not sent (a queue error)? The rows are pending: the sweeper sends overdue deliveries.
  await sendMessages(env.DELIVERY_QUEUE, messages).catch((error: unknown) =>
    log("warn", "released lead's deliveries not queued; the sweeper will send them", { eventId: hold.eventId, error: errorMessage(error) }),
  );
  log("info", "held lead released", { eventId: hold.eventId, poolId: hold.poolId, ownerId, deliveries: messages.length });
  return { released: true, ...(sla ? { slaDueAt: sla.dueAt } : {}) };
}

/** `3h 20m`, `12m`, `40s`. */
function describeWait(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return `${Math.max(0, Math.round(ms / 1000))}s`;
  const hours = Math.floor(minutes / 60);
  return hours > 0 ? `${hours}h ${minutes % 60}m` : `${minutes}m`;
}
