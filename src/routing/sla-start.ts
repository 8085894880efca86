import { slaDueAt } from "../assign/sla-deadline";
import { durationMs } from "../config/duration";
import type { GatewayConfig } from "../config/schema";
import type { NewSlaTimer } from "../db/sla-timers";
import type { SlaPlan } from "./decision";

/** The clock a routed decision starts, if its route has an SLA and the lead an owner. */
export function slaTimerFor(
  document: GatewayConfig,
  decision: { sla?: SlaPlan; ownerId?: string; routeId: string },
  eventId: string,
  leadId: string,
  nowMs: number,
): NewSlaTimer | undefined {
  const { sla, ownerId } = decision;
  if (!sla || !ownerId) return undefined;
  const withinMs = durationMs(sla.config.within);
  if (withinMs === undefined) return undefined;
  const owner = document.owners.find((o) => o.id === ownerId);
  const dueAt = slaDueAt(nowMs, withinMs, owner, sla.config.workingHoursOnly);
  return {
    eventId,
    leadId,
    routeId: sla.route,
    poolId: sla.pool ?? null,
    ownerId,
    untilOutcome: sla.config.until,
    then: sla.config.then,
    notify: sla.config.notify ?? null,
    workingHoursOnly: sla.config.workingHoursOnly,
    withinMs,
    startedAt: nowMs,
    dueAt,
    history: [{ at: nowMs, kind: "started", ownerId, note: `${sla.config.until.replace("_", " ")} expected by ${new Date(dueAt).toISOString()}` }],
  };
}

/** Whether any route of the configuration has an SLA action (else the clock never needs waking). */
export function hasSlas(document: GatewayConfig): boolean {
  return document.routes.some((route) => [...route.actions, ...(route.split ?? []).flatMap((arm) => arm.actions)].some((action) => "sla" in action));
}

/** Asks the SLA clock to ring by `dueAt`; the cron sweeper covers a lost call. */
export async function wakeSlaClock(env: Pick<Env, "SLA_CLOCK">, dueAt: number): Promise<void> {
  await env.SLA_CLOCK.getByName("sla").wake(dueAt);
}
