import { eq, sql } from "drizzle-orm";
import { ageOrder, bestMatch, filledOnlyWhenEmpty, type LeadMatch, type MatchKeys } from "../lead/match";
import type { Database } from "./client";
import { inIdList } from "./id-list";
import { type LeadRow, leads } from "./schema";

/**
 * Finds an earlier lead by email, then phone, then company domain (the one
 * ranking, `bestMatch` of src/lead/match.ts, picks among the candidates).
 */
export async function findMatchingLead(db: Database, keys: MatchKeys): Promise<LeadMatch<LeadRow> | undefined> {
  return bestMatch(await findLeadsForKeys(db, [keys]), keys);
}

/** `ageOrder` as SQL: the candidates' order is the ranking's tie rule. */
const olderFirstSql = sql.join(
  ageOrder.map((field) => leads[field]),
  sql`, `,
);

/**
 * Every lead a batch of events could match, in one D1 round trip: the lead of each
 * email, and the oldest lead of each phone and each company domain (ordered by
 * `ageOrder`, the ranking's tie rule; an account with a thousand leads yields one
 * row). `bestMatch` picks among them.
 */
export async function findLeadsForKeys(db: Database, keys: readonly MatchKeys[]): Promise<LeadRow[]> {
  const values = (by: keyof MatchKeys) => [...new Set(keys.flatMap((k) => (k[by] ? [k[by]] : [])))];
  const emails = values("email");
  const phones = values("phone");
  const domains = values("domain");
  const oldestBy = (column: "phone" | "domain", list: string[]) =>
    db
      .select()
      .from(leads)
      .where(
        sql`${leads.id} IN (SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY ${sql.identifier(column)} ORDER BY ${olderFirstSql}) AS n
             FROM leads WHERE ${inIdList(leads[column], list)}) WHERE n = 1)`,
      );
  const queries = [
    ...(emails.length ? [db.select().from(leads).where(inIdList(leads.email, emails))] : []),
    ...(phones.length ? [oldestBy("phone", phones)] : []),
    ...(domains.length ? [oldestBy("domain", domains)] : []),
  ];
  const [first, ...rest] = queries;
  if (!first) return [];
  const results = await db.batch([first, ...rest]);
  const byId = new Map<string, LeadRow>();
  for (const rows of results) for (const row of rows) byId.set(row.id, row);
  return [...byId.values()];
}

/**
 * Records a lead for later matching, one row per email (or per phone, for leads
 * without email). Returns the statement so the caller can put it in the same D1
 * batch as the event's decision.
 */
export function upsertLeadStatement(
  db: Database,
  row: { id: string; keys: MatchKeys; ownerId?: string; eventId: string; nowMs: number },
  existing: LeadMatch | undefined,
) {
  // An email or phone match is the same person: update that row, filling only
  // what it lacks (`filledOnlyWhenEmpty`, as the batch's index does).
  if (existing && existing.by !== "domain") {
    const later = { phone: row.keys.phone ?? null, domain: row.keys.domain ?? null, ownerId: row.ownerId ?? null };
    const filled = Object.fromEntries(filledOnlyWhenEmpty.map((field) => [field, sql`coalesce(${leads[field]}, ${later[field]})`]));
    return db
      .update(leads)
      .set({ lastEventId: row.eventId, updatedAt: row.nowMs, ...filled })
      .where(eq(leads.id, existing.lead.id));
  }
  // A new person (possibly at a known account): a new row; if another consumer
  // recorded the same email meanwhile, keep theirs.
  return db
    .insert(leads)
    .values({
      id: row.id,
      email: row.keys.email ?? null,
      phone: row.keys.phone ?? null,
      domain: row.keys.domain ?? null,
      ownerId: row.ownerId ?? null,
      firstEventId: row.eventId,
      lastEventId: row.eventId,
      createdAt: row.nowMs,
      updatedAt: row.nowMs,
    })
    .onConflictDoNothing();
}
