import { DurableObject } from "cloudflare:workers";
import { createDb } from "../db/client";
import { nextSlaDue } from "../db/sla-timers";
import { fireDueSlas, type SlaEnv } from "./fire";

/** How soon a run that left failed clocks behind tries again. */
const retryMs = 30_000;

/**
 * The SLA clock: one Durable Object (`SLA_CLOCK.getByName("sla")`) whose alarm is
 * set to the earliest running SLA's deadline. The clocks themselves are D1 rows,
 * written with the routing decision; this object only wakes up on time, so losing
 * a wake-up call costs at most the cron sweeper's minute.
 */
export class SlaClock extends DurableObject<Env> {
  /** Makes sure the alarm rings by `dueAt`. */
  async wake(dueAt: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || dueAt < current) await this.ctx.storage.setAlarm(Math.max(dueAt, Date.now()));
  }

  override async alarm(): Promise<void> {
    // Worker secrets (CONFIG_KEY) reach a Durable Object's env too.
    const { failed } = await fireDueSlas(this.env as SlaEnv);
    const next = await nextSlaDue(createDb(this.env.DB));
    if (next === undefined) return;
    await this.ctx.storage.setAlarm(Math.max(next, Date.now() + (failed > 0 ? retryMs : 0)));
  }
}
