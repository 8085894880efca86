import type { Database } from "../../src/db/client";
import { insertEvent, insertOutcome } from "./fixtures";

/**
 * Ten leads hand-built in D1, for test/kpis: every KPI is worked out by hand in
 * figures.test.ts.
 *
 *  event lead route exp/arm          owner source status           arrives  deliveries (attempt times after arrival)
 *  E1    L1   demo  demo/ae-first    101   forms  routed           +0 min   upsert ok (retry 5 s, ok 12 s); notify ok
 *  E2    L2   demo  demo/ae-first    101   forms  routed           +1 min   upsert ok 3 s
 *  E3    L3   demo  demo/ae-first    102   chat   partially_failed +2 min   upsert ok 8 s; notify failed
 *  E4    L4   demo  demo/sdr-first   102   forms  routed           +3 min   upsert ok 4 s
 *  E5    L5   demo  demo/sdr-first   102   chat   dead             +4 min   upsert dead; notify dead
 *  E6    L6   demo  demo/sdr-first   –     forms  delivering       +5 min   upsert pending (one retry)
 *  E7    L7   other –                101   forms  routed           +6 min   upsert ok 2 s; forward ok
 *  E8    L8   other –                102   chat   routed           +7 min   upsert ok 6 s
 *  E9    L9   other –                –     chat   routed           +8 min   notify ok 1 s (no upsert: no CRM time)
 *  E10   L10  other –                101   forms  routed           +9 min   upsert failed
 *  E11   L1   demo  demo/ae-first    101   chat   routed           +10 min  upsert ok 20 s   (L1 again, other source)
 *
 *  Outcomes (time after the credited event's arrival):
 *  L1 meeting_booked → E1 +5 min; L1 qualified → E11 +60 min; L2 qualified → E2 +120 min, won → E2 +1 day;
 *  L3 qualified → E3 +30 min; L4 qualified → E4 +10 min, meeting_booked → E4 +40 min; L5 lost → E5 +60 min;
 *  L7 qualified → E7 +20 min, won → E7 +180 min; L8 lost → E8 +15 min; L10 qualified → E10 +50 min.
 *
 *  Left out: an older routed event E0 (before the window) with an outcome; unmatched,
 *  invalid, queued and recorded events in the window.
 */

export const min = 60_000;
export const hour = 60 * min;
export const t0 = Date.UTC(2026, 4, 1, 12, 0, 0);
export const window = { since: t0 - hour, until: t0 + hour };

const ok = (afterMs: number) => ({ afterMs, outcome: "succeeded" as const });

export async function seedDataset(db: Database): Promise<void> {
  const at = (m: number) => t0 + m * min;
  const demo = { route: "demo", experiment: "demo" };
  const e1 = await insertEvent(db, { lead: "L1", ...demo, arm: "ae-first", owner: "101", receivedAt: at(0) }, [
    { action: "upsert", status: "succeeded", attempts: [{ afterMs: 5_000, outcome: "retryable" }, ok(12_000)] },
    { action: "notify", status: "succeeded", attempts: [ok(1_000)] },
  ]);
  const e2 = await insertEvent(db, { lead: "L2", ...demo, arm: "ae-first", owner: "101", receivedAt: at(1) }, [
    { action: "upsert", status: "succeeded", attempts: [ok(3_000)] },
  ]);
  const e3 = await insertEvent(db, { lead: "L3", ...demo, arm: "ae-first", owner: "102", source: "chat", status: "partially_failed", receivedAt: at(2) }, [
    { action: "upsert", status: "succeeded", attempts: [ok(8_000)] },
    { action: "notify", status: "failed", attempts: [{ afterMs: 1_000, outcome: "failed" }] },
  ]);
  const e4 = await insertEvent(db, { lead: "L4", ...demo, arm: "sdr-first", owner: "102", receivedAt: at(3) }, [
    { action: "upsert", status: "succeeded", attempts: [ok(4_000)] },
  ]);
  const e5 = await insertEvent(db, { lead: "L5", ...demo, arm: "sdr-first", owner: "102", source: "chat", status: "dead", receivedAt: at(4) }, [
    {
      action: "upsert",
      status: "dead",
      attempts: [
        { afterMs: 1_000, outcome: "retryable" },
        { afterMs: 9_000, outcome: "retryable" },
      ],
    },
    { action: "notify", status: "dead" },
  ]);
  await insertEvent(db, { lead: "L6", ...demo, arm: "sdr-first", status: "delivering", receivedAt: at(5) }, [
    { action: "upsert", status: "pending", attempts: [{ afterMs: 1_000, outcome: "retryable" }] },
  ]);
  const e7 = await insertEvent(db, { lead: "L7", route: "other", owner: "101", receivedAt: at(6) }, [
    { action: "upsert", status: "succeeded", attempts: [ok(2_000)] },
    { action: "forward", status: "succeeded", attempts: [ok(500)] },
  ]);
  const e8 = await insertEvent(db, { lead: "L8", route: "other", owner: "102", source: "chat", receivedAt: at(7) }, [
    { action: "upsert", status: "succeeded", attempts: [ok(6_000)] },
  ]);
  await insertEvent(db, { lead: "L9", route: "other", source: "chat", receivedAt: at(8) }, [{ action: "notify", status: "succeeded", attempts: [ok(1_000)] }]);
  const e10 = await insertEvent(db, { lead: "L10", route: "other", owner: "101", receivedAt: at(9) }, [
    { action: "upsert", status: "failed", attempts: [{ afterMs: 1_000, outcome: "failed" }] },
  ]);
  const e11 = await insertEvent(db, { lead: "L1", ...demo, arm: "ae-first", owner: "101", source: "chat", receivedAt: at(10) }, [
    { action: "upsert", status: "succeeded", attempts: [ok(20_000)] },
  ]);
  // Outside the counted set: before the window, and events that are not routed leads.
  const e0 = await insertEvent(db, { lead: "L0", ...demo, arm: "ae-first", owner: "101", receivedAt: t0 - 2 * hour }, [
    { action: "upsert", status: "failed", attempts: [{ afterMs: 1_000, outcome: "failed" }] },
  ]);
  await insertOutcome(db, "L0", "qualified", e0, t0 - hour);
  await insertEvent(db, { lead: "L11", status: "unmatched", receivedAt: at(11) });
  await insertEvent(db, { status: "invalid", receivedAt: at(12) });
  await insertEvent(db, { lead: "L12", status: "queued", receivedAt: at(13) });
  await insertEvent(db, { status: "recorded", source: "crm-outcomes", receivedAt: at(14) });

  await insertOutcome(db, "L1", "meeting_booked", e1, at(0) + 5 * min);
  await insertOutcome(db, "L1", "qualified", e11, at(10) + 60 * min);
  await insertOutcome(db, "L2", "qualified", e2, at(1) + 120 * min);
  await insertOutcome(db, "L2", "won", e2, at(1) + 24 * hour);
  await insertOutcome(db, "L3", "qualified", e3, at(2) + 30 * min);
  await insertOutcome(db, "L4", "qualified", e4, at(3) + 10 * min);
  await insertOutcome(db, "L4", "meeting_booked", e4, at(3) + 40 * min);
  await insertOutcome(db, "L5", "lost", e5, at(4) + 60 * min);
  await insertOutcome(db, "L7", "qualified", e7, at(6) + 20 * min);
  await insertOutcome(db, "L7", "won", e7, at(6) + 180 * min);
  await insertOutcome(db, "L8", "lost", e8, at(7) + 15 * min);
  await insertOutcome(db, "L10", "qualified", e10, at(9) + 50 * min);
}
