import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { alignRotation, pickOwner } from "../../src/assign/pick-owner";
import { type PoolConfig, poolMemberSchema, poolSchema } from "../../src/config/schema";

function pool(input: Omit<z.input<typeof poolSchema>, "id">): PoolConfig {
  return poolSchema.parse({ id: "p", ...input });
}

/** Runs `n` picks the way the Durable Object does: counts and rotation carried over. */
function run(config: PoolConfig, n: number, state = { counts: new Map<string, number>(), rotation: new Map<string, number>() }) {
  const picked: string[] = [];
  for (let i = 0; i < n; i++) {
    const pick = pickOwner({ pool: config, counts: state.counts, rotation: state.rotation });
    if (!pick.ok) throw new Error(pick.reason);
    picked.push(pick.ownerId);
    state.counts.set(pick.ownerId, (state.counts.get(pick.ownerId) ?? 0) + 1);
    if (!pick.fallback) state.rotation = pick.rotation;
  }
  return { picked, state };
}

/** Like `run`, with some owners unavailable (away, off hours) for every pick. */
function runWithout(config: PoolConfig, n: number, unavailable: Record<string, string>, state: ReturnType<typeof run>["state"]) {
  const picked: string[] = [];
  for (let i = 0; i < n; i++) {
    const pick = pickOwner({ pool: config, counts: state.counts, rotation: state.rotation, unavailable });
    if (!pick.ok) throw new Error(pick.reason);
    picked.push(pick.ownerId);
    if (!pick.fallback) state.rotation = pick.rotation;
  }
  return picked;
}

function tally(ids: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const id of ids) out[id] = (out[id] ?? 0) + 1;
  return out;
}

function longestRun(ids: readonly string[], id: string): number {
  let best = 0;
  let run = 0;
  for (const x of ids) {
    run = x === id ? run + 1 : 0;
    best = Math.max(best, run);
  }
  return best;
}

describe("round robin", () => {
  it("takes equal-weight members in order", () => {
    const config = pool({ members: [{ ownerId: "a" }, { ownerId: "b" }, { ownerId: "c" }] });
    expect(run(config, 7).picked).toEqual(["a", "b", "c", "a", "b", "c", "a"]);
  });

  it("interleaves weights like nginx's smooth weighted round robin", () => {
    const config = pool({
      members: [
        { ownerId: "a", weight: 5 },
        { ownerId: "b", weight: 1 },
        { ownerId: "c", weight: 1 },
      ],
    });
    // The example nginx gives for its algorithm: { a, a, b, a, c, a, a } per cycle.
    expect(run(config, 14).picked.join("")).toBe("aabacaaaabacaa");
  });

  it("holds a 2:1 weight exactly over 1,000 picks, never more than two in a row", () => {
    const config = pool({ members: [{ ownerId: "a", weight: 2 }, { ownerId: "b" }] });
    const { picked } = run(config, 1000);
    expect(tally(picked)).toEqual({ a: 667, b: 333 });
    expect(picked.slice(0, 6)).toEqual(["a", "b", "a", "a", "b", "a"]);
    expect(longestRun(picked, "a")).toBe(2);
    expect(longestRun(picked, "b")).toBe(1);
  });

  it("explains the turn, with the count after this lead and the cap", () => {
    const config = pool({
      members: [
        { ownerId: "101", weight: 2, dailyCap: 40 },
        { ownerId: "102", name: "Ana" },
      ],
    });
    const pick = pickOwner({ pool: config, counts: new Map([["101", 2]]), rotation: new Map() });
    expect(pick).toMatchObject({ ok: true, ownerId: "101", memberIndex: 0, fallback: false });
    expect(pick.reason).toBe("round robin: 101's turn (weight 2), 3/40 today");
    const second = pickOwner({ pool: config, counts: new Map(), rotation: pick.rotation });
    expect(second.reason).toBe("round robin: 102 (Ana)'s turn (weight 1), 1 today");
  });
});

describe("eligibility", () => {
  it("skips paused members and says so", () => {
    const config = pool({ members: [{ ownerId: "a" }, { ownerId: "b", paused: true }, { ownerId: "c" }] });
    const { picked } = run(config, 4);
    expect(picked).toEqual(["a", "c", "a", "c"]);
    const pick = pickOwner({ pool: config, counts: new Map(), rotation: new Map() });
    expect(pick.reason).toContain("skipped b paused");
  });

  it("skips a member at its daily cap and keeps its place in the rotation", () => {
    const config = pool({ members: [{ ownerId: "a", dailyCap: 2 }, { ownerId: "b" }] });
    const { picked, state } = run(config, 6);
    expect(picked).toEqual(["a", "b", "a", "b", "b", "b"]);
    // A new day: counts start over and a resumes where it stopped (it was b's turn).
    const next = run(config, 4, { counts: new Map(), rotation: state.rotation });
    expect(next.picked).toEqual(["b", "a", "b", "a"]);
  });

  it("gives the lead to the fallback owner when every member is capped or paused", () => {
    const config = pool({
      members: [
        { ownerId: "a", dailyCap: 1 },
        { ownerId: "b", paused: true },
      ],
      fallbackOwnerId: "900",
    });
    const rotation = new Map([
      ["a", -1],
      ["b", 1],
    ]);
    const pick = pickOwner({ pool: config, counts: new Map([["a", 1]]), rotation });
    expect(pick).toEqual({
      ok: true,
      ownerId: "900",
      fallback: true,
      reason: "no member available (a capped at 1/1, b paused); fallback owner 900",
      rotation,
    });
  });

  it("fails when nobody can take the lead and there is no fallback", () => {
    const config = pool({ members: [{ ownerId: "a", paused: true }] });
    const pick = pickOwner({ pool: config, counts: new Map(), rotation: new Map() });
    expect(pick.ok).toBe(false);
    expect(pick.reason).toBe("no member available (a paused), and the pool has no fallback owner");
  });

  it("refuses a pool naming an owner twice: rotation and counts are kept per owner", () => {
    expect(() => pool({ members: [{ ownerId: "a" }, { ownerId: "b" }, { ownerId: "a", weight: 5 }] })).toThrow(/each ownerId may appear once/);
  });
});

describe("load balanced", () => {
  it("picks the member with the fewest leads for its weight, ties by member order", () => {
    const config = pool({
      strategy: "load_balanced",
      members: [{ ownerId: "a", weight: 2 }, { ownerId: "b" }, { ownerId: "c" }],
    });
    const counts = (a: number, b: number, c: number) =>
      new Map([
        ["a", a],
        ["b", b],
        ["c", c],
      ]);
    expect(pickOwner({ pool: config, counts: counts(0, 0, 0), rotation: new Map() })).toMatchObject({ ownerId: "a" });
    expect(pickOwner({ pool: config, counts: counts(3, 2, 1), rotation: new Map() })).toMatchObject({ ownerId: "c" });
    expect(pickOwner({ pool: config, counts: counts(2, 2, 1), rotation: new Map() })).toMatchObject({ ownerId: "a" });
    expect(pickOwner({ pool: config, counts: counts(4, 2, 1), rotation: new Map() })).toMatchObject({ ownerId: "c" });
    expect(pickOwner({ pool: config, counts: counts(4, 2, 2), rotation: new Map() })).toMatchObject({ ownerId: "a" });
    const pick = pickOwner({ pool: config, counts: counts(9, 1, 7), rotation: new Map() });
    expect(pick.reason).toBe("load balanced: b is furthest below its share (weight 1), 2 today");
  });

  it("catches up a member that joined late and leaves the rotation alone", () => {
    const config = pool({ strategy: "load_balanced", members: [{ ownerId: "a" }, { ownerId: "b" }] });
    const rotation = new Map([
      ["a", 1],
      ["b", -1],
    ]);
    const { picked, state } = run(config, 5, { counts: new Map([["a", 3]]), rotation });
    expect(picked).toEqual(["b", "b", "b", "a", "b"]);
    expect(state.rotation).toEqual(rotation);
  });
});

describe("configuration changes", () => {
  it("starts a new member at zero and drops a removed one", () => {
    const before = pool({ members: [{ ownerId: "a" }, { ownerId: "b" }] });
    const { state } = run(before, 3); // a b a
    expect(state.rotation).toEqual(
      new Map([
        ["a", -1],
        ["b", 1],
      ]),
    );
    const after = pool({ members: [{ ownerId: "b" }, { ownerId: "c" }] });
    const next = run(after, 4, state);
    // Without a, b and c alternate from where b was.
    expect(next.picked).toEqual(["b", "c", "b", "c"]);
    expect([...next.state.rotation.keys()]).toEqual(["b", "c"]);
  });

  it("recentres after removals so a newcomer is not starved", () => {
    const members = [{ ownerId: "a" }, { ownerId: "b" }];
    // A sum far from zero, as repeated removals of low members could leave.
    const aligned = alignRotation(
      members.map((member) => ({ member: poolMemberSchema.parse(member) })),
      new Map([
        ["a", 50],
        ["b", 52],
      ]),
    );
    expect(aligned).toEqual(
      new Map([
        ["a", -1],
        ["b", 1],
      ]),
    );
  });

  it("follows new weights from the next pick", () => {
    const config = pool({ members: [{ ownerId: "a" }, { ownerId: "b" }] });
    const { state } = run(config, 10);
    const reweighted = pool({ members: [{ ownerId: "a", weight: 3 }, { ownerId: "b" }] });
    expect(tally(run(reweighted, 400, state).picked)).toEqual({ a: 300, b: 100 });
  });
});

describe("property", () => {
  // Smooth weighted round robin keeps each member within one pick of its share in
  // almost every sequence, but not all: weights [1, 1, 1, 20, 20] give the last member
  // 12 of the first 28 picks against a share of 13.02 (fast-check finds such cases in
  // about one run in twenty at 200 runs). A starved or favoured member breaks 2 fast.
  it("every member's count stays within 2 of n × weight / total after every pick", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 400 }), (weights, n) => {
        const config = pool({ members: weights.map((weight, i) => ({ ownerId: `m${i}`, weight })) });
        const total = weights.reduce((a, b) => a + b, 0);
        const counts = new Map<string, number>();
        let rotation = new Map<string, number>();
        for (let step = 1; step <= n; step++) {
          const pick = pickOwner({ pool: config, counts, rotation });
          if (!pick.ok) return false;
          counts.set(pick.ownerId, (counts.get(pick.ownerId) ?? 0) + 1);
          rotation = pick.rotation;
          for (const [i, weight] of weights.entries()) {
            const expected = (step * weight) / total;
            if (Math.abs((counts.get(`m${i}`) ?? 0) - expected) >= 2) return false;
          }
        }
        return true;
      }),
      { numRuns: 200 },
    );
  });
});

describe("availability", () => {
  const trio = pool({ members: [{ ownerId: "a" }, { ownerId: "b" }, { ownerId: "c" }] });

  it("skips an unavailable member and says why in the reason", () => {
    const pick = pickOwner({ pool: trio, counts: new Map(), rotation: new Map(), unavailable: { a: "away until 2026-12-10T00:00Z (vacation)" } });
    expect(pick).toMatchObject({ ok: true, ownerId: "b" });
    expect(pick.ok && pick.reason).toContain("skipped a away until 2026-12-10T00:00Z (vacation)");
  });

  it("gives an owner back from time away no catch-up run: they rejoin the rotation where they left it", () => {
    const { state } = run(trio, 3);
    // Away for 30 leads: b and c share them.
    expect(tally(runWithout(trio, 30, { a: "away" }, state))).toEqual({ b: 15, c: 15 });
    // Back: a gets every third lead, as before, not the 10 it missed in a row.
    const after = run(trio, 30, state).picked;
    expect(tally(after)).toEqual({ a: 10, b: 10, c: 10 });
    expect(longestRun(after, "a")).toBe(1);
  });

  it("falls back when every member is unavailable, naming each", () => {
    const withFallback = pool({ members: [{ ownerId: "a" }, { ownerId: "b" }], fallbackOwnerId: "900" });
    const pick = pickOwner({
      pool: withFallback,
      counts: new Map(),
      rotation: new Map(),
      unavailable: { a: "outside working hours (Sat 10:00 UTC)", b: "away until 2026-12-10T00:00Z" },
    });
    expect(pick).toMatchObject({ ok: true, ownerId: "900", fallback: true });
    expect(pick.ok && pick.reason).toBe("no member available (a outside working hours (Sat 10:00 UTC), b away until 2026-12-10T00:00Z); fallback owner 900");
  });
});
