import { DurableObject } from "cloudflare:workers";
import { createDb } from "../db/client";
import { nextHoldWake } from "../db/holds";
import { type HoldEnv, releaseDueHolds } from "./release";

/** How soon a run that left failed holds behind tries again. */
const retryMs = 30_000;

/**
 * The hold clock: one Durable Object (`HOLD_CLOCK.getByName("holds")`) whose alarm
 * is set to the earliest held lead's next try. The holds themselves are D1 rows,
 * written with the routing decision; this object only wakes up on time, so losing
 * a wake-up call costs at most the cron's minute.
 */
export class HoldClock extends DurableObject<Env> {
  /** Makes sure the alarm rings by `wakeAt`. */
  async wake(wakeAt: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || wakeAt < current) await this.ctx.storage.setAlarm(Math.max(wakeAt, Date.now()));
  }

  override async alarm(): Promise<void> {
    // Worker secrets (CONFIG_KEY) reach a Durable Object's env too.
    const { failed } = await releaseDueHolds(this.env as HoldEnv);
    const next = await nextHoldWake(createDb(this.env.DB));
    if (next === undefined) return;
    await this.ctx.storage.setAlarm(Math.max(next, Date.now() + (failed > 0 ? retryMs : 0)));
  }
}
