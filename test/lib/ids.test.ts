import { describe, expect, it } from "vitest";
import { idTime, newId } from "../../src/lib/ids";

describe("newId", () => {
  it("is prefix_ + 10 time characters + 16 random ones, Crockford base32", () => {
    expect(newId("evt", 1_795_000_000_000)).toMatch(/^evt_[0-9A-HJKMNP-TV-Z]{26}$/);
  });

  it("round-trips its time and sorts by it", () => {
    const early = newId("evt", 1_700_000_000_000);
    const late = newId("evt", 1_700_000_000_001);
    expect(idTime(early)).toBe(1_700_000_000_000);
    expect(early < late).toBe(true);
  });

  it("sorts ids made within one millisecond in the order they were made", () => {
    const made = Array.from({ length: 1_000 }, () => newId("evt", 1_796_000_000_000));
    expect([...made].sort()).toEqual(made);
    expect(new Set(made).size).toBe(1_000);
    expect(made.every((id) => idTime(id) === 1_796_000_000_000)).toBe(true);
  });

  it("never repeats, across many refills of the random pool", () => {
    const ids = new Set<string>();
    // 5,000 ids in 5,000 milliseconds: ~20 refills of the 4 KiB pool.
    for (let i = 0; i < 5_000; i++) ids.add(newId("req", 1_795_000_000_000 + i));
    expect(ids.size).toBe(5_000);
    // Each random character is uniform over 32 symbols: none should be missing at this size.
    const seen = new Set([...ids].flatMap((id) => [...id.slice(14)]));
    expect(seen.size).toBe(32);
  });
});
