import { describe, expect, it } from "vitest";
import type { OutcomeName, RouteConfig } from "../../src/config/schema";
import { compareExperiments } from "../../src/kpis/experiments";
import { type GroupKpis, perOutcome } from "../../src/kpis/groups";
import { pText, ratePercent } from "../../src/kpis/verdict";

/** An arm's figures with only what the comparison reads filled in. */
function arm(leads: number, counts: Partial<Record<OutcomeName, number>>): GroupKpis {
  return {
    leads,
    outcomes: perOutcome((name) => ({ leads: counts[name] ?? 0, rate: leads ? (counts[name] ?? 0) / leads : null, timeMs: { samples: 0 } })),
    webhookToCrmMs: { samples: 0 },
    timeToFirstOutcomeMs: { samples: 0 },
    timeToFirstTouchMs: { samples: 0 },
    sla: { clocks: 0, met: 0, missed: 0, running: 0, metRate: null },
    deliveries: { settled: 0, failed: 0, pending: 0, errorRate: null },
  };
}

function split(id: string, arms: string[]): RouteConfig {
  return { id, when: { always: true }, actions: [], continue: false, split: arms.map((name) => ({ arm: name, weight: 1, actions: [] })) };
}

describe("experiment comparison", () => {
  it("says in words which arm converts better, and how sure that is", () => {
    // control a: qualified 8 of 40 (20 %); b: 20 of 40 (50 %). p̂ = 28/80 = 0.35;
    // SE = √(0.35 · 0.65 · (1/40 + 1/40)) = 0.106654; z = 0.30 / 0.106654 = 2.81284; p = 0.00491.
    // won: 8 of 40 against 10 of 40: z = 0.53548, p = 0.592: no clear difference.
    // lost: 10 of 40 against 3 of 40: 3 < 5 successes, not enough data.
    const [result] = compareExperiments({ pitch: { b: arm(40, { qualified: 20, won: 10, lost: 3 }), a: arm(40, { qualified: 8, won: 8, lost: 10 }) } }, [
      split("pitch", ["a", "b"]),
    ]);
    expect(result).toMatchObject({ experiment: "pitch", configured: true, control: "a" });
    const b = result?.arms[1];
    expect(b?.arm).toBe("b");
    expect(b?.outcomes.qualified.vsControl).toMatchObject({ enoughData: true, significant: true });
    expect(b?.outcomes.qualified.vsControl?.z).toBeCloseTo(2.81284, 4);
    expect(b?.outcomes.qualified.vsControl?.pValue).toBeCloseTo(0.00491, 4);
    expect(b?.outcomes.qualified.vsControl?.verdict).toBe("b converts better to qualified than a (50 % vs 20 %, p = 0.005)");
    expect(b?.outcomes.won.vsControl?.verdict).toBe("no clear difference between b and a in won yet (25 % vs 20 %, p = 0.592)");
    expect(b?.outcomes.lost.vsControl?.verdict).toBe("not enough data yet for lost: each arm needs at least 5 leads with and 5 without it");
  });

  it("reads lost the other way round, and a worse arm as worse", () => {
    // lost 10 of 40 (control) against 3 of 40 would be too few; use 20 of 80 against 6 of 80:
    // p̂ = 26/160 = 0.1625; SE = √(0.1625 · 0.8375 · (2/80)) = 0.0583296; z = −0.175 / 0.0583296 = −3.00019; p = 0.0027.
    const [result] = compareExperiments({ x: { control: arm(80, { lost: 20, qualified: 30 }), other: arm(80, { lost: 6, qualified: 10 }) } }, [
      split("x", ["control", "other"]),
    ]);
    const other = result?.arms[1];
    expect(other?.outcomes.lost.vsControl?.z).toBeCloseTo(-3.00019, 4);
    expect(other?.outcomes.lost.vsControl?.verdict).toBe("other loses fewer leads than control (7.5 % vs 25 %, p = 0.003)");
    // qualified 30/80 against 10/80: z ≈ −3.65, p < 0.001.
    expect(other?.outcomes.qualified.vsControl?.verdict).toBe("other converts worse to qualified than control (12.5 % vs 37.5 %, p < 0.001)");
  });

  it("lists configured arms without leads, arms no longer configured after them, and new experiments", () => {
    const results = compareExperiments({ old: { zeta: arm(3, {}), alpha: arm(2, {}) }, live: { gone: arm(1, {}), b: arm(4, {}) } }, [
      split("live", ["b", "c"]),
      split("fresh", ["one", "two"]),
    ]);
    expect(results.map((r) => [r.experiment, r.configured, r.control, r.arms.map((a) => `${a.arm}:${a.leads}`)])).toEqual([
      ["fresh", true, "one", ["one:0", "two:0"]],
      ["live", true, "b", ["b:4", "c:0", "gone:1"]],
      // Not configured any more: alphabetical, the first is the control.
      ["old", false, "alpha", ["alpha:2", "zeta:3"]],
    ]);
    // An arm without leads has no rate and no difference.
    expect(results[1]?.arms[1]?.outcomes.qualified).toMatchObject({ leads: 0, rate: null, vsControl: { difference: null, enoughData: false } });
  });

  it("formats rates and p-values for people", () => {
    expect([ratePercent(0.5), ratePercent(1 / 3), ratePercent(0), ratePercent(null)]).toEqual(["50 %", "33.3 %", "0 %", "–"]);
    expect([pText(0.0049), pText(0.04694), pText(0.0004)]).toEqual(["p = 0.005", "p = 0.047", "p < 0.001"]);
  });
});
