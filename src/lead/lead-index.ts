import { bestMatch, type KnownLead, type LeadMatch, type MatchKeys, matchOrder } from "./match";

/**
 * Earlier leads of one routing batch, in memory: what D1 held for the batch's keys
 * when the batch began, plus the leads the batch itself has decided so far. It
 * ranks with `bestMatch`, as the simulator does, so a lead decided earlier in the
 * batch is matched by a later event of the same person: a double-submitted form
 * gets one owner, not two.
 */
export class LeadIndex<Row extends KnownLead = KnownLead> {
  readonly #rows = new Map<string, Row>();
  readonly #ids = { email: new Map<string, Set<string>>(), phone: new Map<string, Set<string>>(), domain: new Map<string, Set<string>>() };

  constructor(rows: Iterable<Row> = []) {
    for (const row of rows) this.add(row);
  }

  /** Adds a lead, or replaces the one with its id (a lead the batch filled in). */
  add(row: Row): void {
    this.#rows.set(row.id, row);
    for (const by of matchOrder) {
      const value = row[by];
      if (!value) continue;
      const ids = this.#ids[by].get(value);
      if (ids) ids.add(row.id);
      else this.#ids[by].set(value, new Set([row.id]));
    }
  }

  find(keys: MatchKeys): LeadMatch<Row> | undefined {
    const candidates = new Set<Row>();
    for (const by of matchOrder) {
      const value = keys[by];
      for (const id of (value && this.#ids[by].get(value)) || []) {
        const row = this.#rows.get(id);
        if (row) candidates.add(row);
      }
    }
    return bestMatch(candidates, keys);
  }
}
