import { eq, or, sql } from "drizzle-orm";
import type { MatchKeys } from "../routing/normalize";
import type { Database } from "./client";
import { inIdList } from "./id-list";
import { type LeadRow, leads } from "./schema";

export interface LeadMatch {
  lead: LeadRow;
  by: "email" | "phone" | "domain";
}

const matchOrder = ["email", "phone", "domain"] as const;

/**
 * Finds an earlier lead by email, then phone, then company domain: the order of
 * confidence. A domain match is the same account, so it keeps the owner too. One
 * query (an OR over the three indexed columns, ranked), not one per key: this runs
 * once per routed event.
 */
export async function findMatchingLead(db: Database, keys: MatchKeys): Promise<LeadMatch | undefined> {
  const given = matchOrder.filter((by) => keys[by]);
  if (given.length === 0) return undefined;
  const rank = sql.join(
    given.map((by, i) => sql`when ${leads[by]} = ${keys[by]} then ${i}`),
    sql` `,
  );
  const [lead] = await db
    .select()
    .from(leads)
    .where(or(...given.map((by) => eq(leads[by], keys[by] ?? ""))))
    .orderBy(sql`case ${rank} else ${given.length} end`, leads.createdAt)
    .limit(1);
  if (!lead) return undefined;
  const by = given.find((key) => lead[key] === keys[key]) ?? "domain";
  return { lead, by };
}

/**
 * Every lead a batch of events could match, in one D1 round trip: the lead of each
 * email, and the oldest lead of each phone and each company domain (the one
 * `findMatchingLead` would pick; an account with a thousand leads yields one row).
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
        sql`${leads.id} IN (SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY ${sql.identifier(column)} ORDER BY created_at, id) AS n
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
  // An email or phone match is the same person: update that row.
  if (existing && existing.by !== "domain") {
    return db
      .update(leads)
      .set({
        lastEventId: row.eventId,
        updatedAt: row.nowMs,
        phone: sql`coalesce(${leads.phone}, ${row.keys.phone ?? null})`,
        domain: sql`coalesce(${leads.domain}, ${row.keys.domain ?? null})`,
        ownerId: sql`coalesce(${leads.ownerId}, ${row.ownerId ?? null})`,
      })
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
