import { newId } from "../lib/ids";
import { isFreeMailDomain } from "./free-mail";
import type { Lead } from "./schema";

/** The keys an earlier lead is found by. */
export interface MatchKeys {
  email?: string;
  phone?: string;
  /** Only a company domain: a free-mail domain would match unrelated people. */
  domain?: string;
}

export function matchKeys(lead: Lead): MatchKeys {
  const keys: MatchKeys = {};
  if (lead.email) keys.email = lead.email;
  if (lead.phone) keys.phone = lead.phone;
  if (lead.domain && !isFreeMailDomain(lead.domain)) keys.domain = lead.domain;
  return keys;
}

/**
 * The keys in order of confidence: an email is one person, a phone usually one,
 * a company domain one account (a domain match keeps the account's owner too).
 */
export const matchOrder = ["email", "phone", "domain"] as const;
export type MatchBy = (typeof matchOrder)[number];

/** What matching reads of a recorded lead (a `leads` row has at least this). */
export interface KnownLead {
  id: string;
  email: string | null;
  phone: string | null;
  domain: string | null;
  ownerId: string | null;
  createdAt: number;
}

export interface LeadMatch<Row extends KnownLead = KnownLead> {
  lead: Row;
  by: MatchBy;
}

/**
 * The one tie rule between leads that share a key: the oldest first, then the
 * smaller id (two leads recorded in the same millisecond). The SQL that fetches
 * candidates orders by the same fields (src/db/leads.ts reads `ageOrder`).
 */
export const ageOrder = ["createdAt", "id"] as const;

function olderFirst(a: KnownLead, b: KnownLead): number {
  if (a.createdAt !== b.createdAt) return a.createdAt - b.createdAt;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * The one ranking: among the candidates, the lead with the first key of
 * `matchOrder` that the keys share, the oldest of those (`olderFirst`). The
 * simulator, the routing consumer's batch index and the SQL candidates all
 * end here.
 */
export function bestMatch<Row extends KnownLead>(candidates: Iterable<Row>, keys: MatchKeys): LeadMatch<Row> | undefined {
  const list = [...candidates];
  for (const by of matchOrder) {
    const value = keys[by];
    if (!value) continue;
    let best: Row | undefined;
    for (const row of list) if (row[by] === value && (!best || olderFirst(row, best) < 0)) best = row;
    if (best) return { lead: best, by };
  }
  return undefined;
}

/**
 * The fields a later event of the same person fills on its lead only when the lead
 * lacks them: the first owner and keys stay. The SQL upsert (src/db/leads.ts) and
 * the batch's index (`fillLead`) both follow this list.
 */
export const filledOnlyWhenEmpty = ["phone", "domain", "ownerId"] as const;

/** `lead` after a later event of the same person, as the upsert leaves it. */
export function fillLead<Row extends KnownLead>(lead: Row, later: Pick<KnownLead, (typeof filledOnlyWhenEmpty)[number]>): Row {
  const filled = { ...lead };
  for (const field of filledOnlyWhenEmpty) filled[field] ??= later[field];
  return filled;
}

/**
 * The lead a decision is recorded under: the matched person's (an email or phone
 * match), else a new lead (a domain match is a new person at a known account).
 */
export function recordedLeadId(match: LeadMatch | undefined, nowMs: number): string {
  return match && match.by !== "domain" ? match.lead.id : newId("lead", nowMs);
}
