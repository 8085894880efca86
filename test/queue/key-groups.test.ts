import { describe, expect, it } from "vitest";
import type { MatchKeys } from "../../src/lead/match";
import { groupBySharedKeys } from "../../src/queue/key-groups";

const ids = (groups: { id: string }[][]) => groups.map((g) => g.map((item) => item.id));

describe("groupBySharedKeys", () => {
  it("puts items sharing any key in one group, transitively, in their order", () => {
    const items: { id: string; keys: MatchKeys }[] = [
      { id: "a", keys: { email: "ada@acme.io", domain: "acme.io" } },
      { id: "b", keys: { email: "bob@other.io", phone: "+14155550100" } },
      { id: "c", keys: { email: "cy@acme.io", domain: "acme.io" } },
      { id: "d", keys: { phone: "+14155550100" } },
      { id: "e", keys: {} },
      { id: "f", keys: { email: "ada@acme.io" } },
    ];
    expect(ids(groupBySharedKeys(items, (i) => i.keys))).toEqual([["a", "c", "f"], ["b", "d"], ["e"]]);
  });

  it("joins two groups that a later item bridges", () => {
    const items: { id: string; keys: MatchKeys }[] = [
      { id: "x", keys: { email: "x@one.io" } },
      { id: "y", keys: { email: "y@two.io" } },
      { id: "z", keys: { email: "x@one.io", phone: "+14155550123" } },
      { id: "w", keys: { email: "y@two.io", phone: "+14155550123" } },
    ];
    expect(ids(groupBySharedKeys(items, (i) => i.keys))).toEqual([["x", "y", "z", "w"]]);
  });

  it("keeps items without keys apart", () => {
    const items = [{ id: "1" }, { id: "2" }, { id: "3" }];
    expect(ids(groupBySharedKeys(items, () => ({})))).toEqual([["1"], ["2"], ["3"]]);
  });
});
