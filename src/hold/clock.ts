import { createServices } from "../context";
import { nextHoldWake } from "../db/holds";
import { DueClock } from "../lib/due-clock";
import { type HoldEnv, releaseDueHolds } from "./release";

/**
 * The hold clock: one Durable Object (`HOLD_CLOCK.getByName("holds")`) whose alarm
 * is set to the earliest held lead's next try. The holds themselves are D1 rows,
 * written with the routing decision.
 */
export class HoldClock extends DueClock {
  /** Built once per object, used by every alarm. */
  private readonly services = createServices(this.env);

  protected runDue() {
    // Worker secrets (CONFIG_KEY) reach a Durable Object's env too.
    return releaseDueHolds(this.env as HoldEnv, this.services.db);
  }

  protected nextDue() {
    return nextHoldWake(this.services.db);
  }
}
