import { createServices } from "../context";
import { nextSlaDue } from "../db/sla-timers";
import { DueClock } from "../lib/due-clock";
import { fireDueSlas, type SlaEnv } from "./fire";

/**
 * The SLA clock: one Durable Object (`SLA_CLOCK.getByName("sla")`) whose alarm is
 * set to the earliest running SLA's deadline. The clocks themselves are D1 rows,
 * written with the routing decision; this object only wakes up on time, so losing
 * a wake-up call costs at most the cron sweeper's minute.
 */
export class SlaClock extends DueClock {
  /** Built once per object, used by every alarm. */
  private readonly services = createServices(this.env);

  protected runDue() {
    // Worker secrets (CONFIG_KEY) reach a Durable Object's env too.
    return fireDueSlas(this.env as SlaEnv, this.services.db);
  }

  protected nextDue() {
    return nextSlaDue(this.services.db);
  }
}
