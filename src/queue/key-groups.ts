import type { MatchKeys } from "../lead/match";

/**
 * Splits a batch into groups of items that share an email, phone or company domain
 * (transitively: A shares an email with B, B a domain with C → one group). Items of
 * one group must be decided one after the other, in order, because each may match
 * the lead the one before it created; different groups can be decided at once.
 * Order inside a group, and of groups, follows `items`.
 */
export function groupBySharedKeys<T>(items: readonly T[], keysOf: (item: T) => MatchKeys): T[][] {
  const parent = items.map((_, i) => i);
  const root = (i: number): number => {
    let at = i;
    while (parent[at] !== at) {
      const up = parent[at] ?? at;
      parent[at] = parent[up] ?? up;
      at = up;
    }
    return at;
  };
  const owner = new Map<string, number>();
  items.forEach((item, i) => {
    for (const [by, value] of Object.entries(keysOf(item))) {
      if (!value) continue;
      const key = `${by}:${value}`;
      const seen = owner.get(key);
      if (seen === undefined) owner.set(key, i);
      else {
        const [a, b] = [root(seen), root(i)];
        // The smaller index stays the root, so a group keeps its first item's place.
        if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
      }
    }
  });
  const groups = new Map<number, T[]>();
  items.forEach((item, i) => {
    const r = root(i);
    const group = groups.get(r);
    if (group) group.push(item);
    else groups.set(r, [item]);
  });
  return [...groups.values()];
}
