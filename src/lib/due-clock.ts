import { DurableObject } from "cloudflare:workers";

/** How soon a run that left failed work behind tries again. */
const retryMs = 30_000;

/**
 * A Durable Object whose alarm rings when the earliest piece of timed work stored
 * elsewhere (D1 rows: SLA clocks, held leads) is due. It only wakes up on time;
 * losing a wake-up call costs at most the cron's minute, which wakes it too.
 */
export abstract class DueClock extends DurableObject<Env> {
  /** Runs the work due now; how many items failed (tried again soon). */
  protected abstract runDue(): Promise<{ failed: number }>;
  /** When the next item is due, if any. */
  protected abstract nextDue(): Promise<number | undefined>;

  /** Makes sure the alarm rings by `dueAt`. */
  async wake(dueAt: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || dueAt < current) await this.ctx.storage.setAlarm(Math.max(dueAt, Date.now()));
  }

  override async alarm(): Promise<void> {
    const { failed } = await this.runDue();
    const next = await this.nextDue();
    if (next === undefined) return;
    await this.ctx.storage.setAlarm(Math.max(next, Date.now() + (failed > 0 ? retryMs : 0)));
  }
}
