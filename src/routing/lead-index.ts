import type { LeadMatch } from "../db/leads";
import type { LeadRow } from "../db/schema";
import type { MatchKeys } from "./normalize";

const matchOrder = ["email", "phone", "domain"] as const;

/**
 * Earlier leads of one routing batch, in memory: what D1 held for the batch's keys
 * when the batch began, plus the leads the batch itself has decided so far. It
 * answers like `findMatchingLead` (email, then phone, then domain; the oldest lead
 * first), so a lead decided earlier in the batch is matched by a later event of the
 * same person: a double-submitted form gets one owner, not two.
 */
export class LeadIndex {
  readonly #by = { email: new Map<string, LeadRow[]>(), phone: new Map<string, LeadRow[]>(), domain: new Map<string, LeadRow[]>() };

  constructor(rows: Iterable<LeadRow> = []) {
    for (const row of rows) this.add(row);
  }

  add(row: LeadRow): void {
    for (const by of matchOrder) {
      const value = row[by];
      if (!value) continue;
      const list = this.#by[by].get(value);
      if (!list) this.#by[by].set(value, [row]);
      else if (!list.includes(row)) {
        list.push(row);
        list.sort((a, b) => a.createdAt - b.createdAt);
      }
    }
  }

  find(keys: MatchKeys): LeadMatch | undefined {
    for (const by of matchOrder) {
      const value = keys[by];
      const lead = value ? this.#by[by].get(value)?.[0] : undefined;
      if (lead) return { lead, by };
    }
    return undefined;
  }
}
