import { describe, expect, it } from "vitest";
import { newId } from "../../src/lib/ids";

/** The ten time characters of an id (after `evt_`). */
const timePart = (id: string) => id.slice(4, 14);

describe("newId", () => {
  it("is prefix_ + 10 time characters + 16 random ones, Crockford base32", () => {
    expect(newId("evt", 1_795_000_000_000)).toMatch(/^evt_[0-9A-HJKMNP-TV-Z]{26}$/);
  });

  it("encodes its time as a ULID does, and sorts by it", () => {
    // The ULID reference implementation's example: ulid(1469918176385) starts 01ARYZ6S41
    // (https://github.com/ulid/javascript#seed-time).
    expect(timePart(newId("evt", 1_469_918_176_385))).toBe("01ARYZ6S41");
    const early = newId("evt", 1_700_000_000_000);
    const late = newId("evt", 1_700_000_000_001);
    expect(early < late).toBe(true);
  });

  it("sorts ids made within one millisecond in the order they were made", () => {
    const made = Array.from({ length: 1_000 }, () => newId("evt", 1_796_000_000_000));
    expect([...made].sort()).toEqual(made);
    expect(new Set(made).size).toBe(1_000);
    expect(new Set(made.map(timePart))).toEqual(new Set([timePart(newId("evt", 1_796_000_000_000))]));
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
