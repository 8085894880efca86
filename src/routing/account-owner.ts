import type { AccountOwnerConfig } from "../config/schema";
import type { AccountLookup, AccountRecord, FindAccount } from "../enrich/types";
import type { Lead } from "../lead/schema";

/**
 * What the account-owner assignment needs from the outside world. The routing
 * consumer and the simulator (cache only) pass both; a caller without them (unit
 * tests of other steps) gets the fallback pool for every `accountOwner`.
 */
export interface AccountOwnerDeps {
  /** Finds the lead's company or account in the option's CRM. */
  accountOwner?: FindAccount;
  /** Why an owner cannot take a lead at the decision's moment (away, outside working hours), or undefined. */
  ownerUnavailable?(ownerId: string): string | undefined;
}

/** One `assign: { accountOwner }` as it went; stored in the decision trace. */
export interface AccountTrace {
  route: string;
  destination: string;
  outcome: AccountLookup["outcome"];
  /** How the record was matched: by `domain` or `name`, and the normalized key. */
  by?: "domain" | "name";
  key?: string;
  /** The match came from the cache. */
  cached?: boolean;
  record?: AccountRecord;
  /** Keys tried without a match (`none_cached`: a cached miss; `not_cached`: a simulation had no answer). */
  tried?: Extract<AccountLookup, { outcome: "no_match" }>["tried"];
  /** The account owner, when one was found but not assigned: why. */
  ownerUnavailable?: string;
  reason?: string;
  error?: string;
  /** `owner`: the account's owner got the lead; `fallback_pool`: the pool assigns. */
  assigned: "owner" | "fallback_pool";
}

/**
 * The account owner for a lead, or why the fallback pool assigns instead: no key,
 * no matching record, a record without an owner, an owner who is unavailable
 * (unless `requireAvailable` is false), or a failed search.
 */
export async function accountOwnerFor(
  option: AccountOwnerConfig,
  routeId: string,
  lead: Lead,
  deps: AccountOwnerDeps,
): Promise<{ ownerId?: string; trace: AccountTrace; explain: string }> {
  let lookup: AccountLookup;
  try {
    lookup = deps.accountOwner ? await deps.accountOwner(option, lead) : { outcome: "skipped", reason: "no account lookup is available here" };
  } catch (error) {
    // Lookups report failures as values; this is the net under that promise.
    lookup = { outcome: "failed", by: "domain", key: "", error: error instanceof Error ? error.message : String(error) };
  }
  const base = { route: routeId, destination: option.destination, outcome: lookup.outcome };
  const fallback = `else pool ${option.fallbackPool}`;
  switch (lookup.outcome) {
    case "skipped":
      return { trace: { ...base, reason: lookup.reason, assigned: "fallback_pool" }, explain: `account owner: skipped — ${lookup.reason}; ${fallback}` };
    case "failed":
      return {
        trace: { ...base, by: lookup.by, key: lookup.key, error: lookup.error, assigned: "fallback_pool" },
        explain: `account owner (${lookup.by} ${lookup.key}): failed — ${lookup.error}; ${fallback}`,
      };
    case "no_match": {
      const keys = lookup.tried.map((t) => `${t.by} ${t.key}${t.found === "none" ? "" : t.found === "none_cached" ? " (cached)" : " (not in the cache)"}`);
      return {
        trace: { ...base, tried: lookup.tried, assigned: "fallback_pool" },
        explain: `account owner: no ${option.destination} record for ${keys.join(", ")}; ${fallback}`,
      };
    }
    case "matched": {
      const { record, by, key, cached } = lookup;
      const matched = { ...base, by, key, cached, record };
      const what = `${option.destination} record ${record.id}${record.name ? ` (${record.name})` : ""} matched by ${by} ${key}${cached ? " from the cache" : ""}`;
      if (!record.ownerId) return { trace: { ...matched, assigned: "fallback_pool" }, explain: `account owner: ${what} has no owner; ${fallback}` };
      const unavailable = option.requireAvailable ? deps.ownerUnavailable?.(record.ownerId) : undefined;
      if (unavailable) {
        return {
          trace: { ...matched, ownerUnavailable: unavailable, assigned: "fallback_pool" },
          explain: `account owner: ${what}; its owner ${record.ownerId} is ${unavailable}; ${fallback}`,
        };
      }
      return { ownerId: record.ownerId, trace: { ...matched, assigned: "owner" }, explain: `account owner: ${what}: owner ${record.ownerId}` };
    }
  }
}
