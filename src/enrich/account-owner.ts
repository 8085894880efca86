import { z } from "zod";
import type { AccountOwnerConfig, DestinationConfig } from "../config/schema";
import { allowHttpFrom } from "../connectors/http";
import { createDb } from "../db/client";
import { accountDomainKey, accountKeys, accountNameKey, nameSearchWord } from "../lead/account-keys";
import type { Lead } from "../lead/schema";
import { errorMessage } from "../lib/log";
import { createCacheIo } from "./cache-io";
import { type FoundCompany, searchHubspotCompanies } from "./hubspot-company";
import { queryAccounts } from "./salesforce-account";
import type { AccountLookup, AccountMatchBy, AccountRecord, FindAccount } from "./types";

type AccountEnv = Pick<Env, "DB"> & {
  ALLOW_HTTP_DESTINATIONS?: string;
  /** The destinations' limiters: a search shares its destination's with its deliveries. */
  DESTINATION_LIMITER?: Env["DESTINATION_LIMITER"];
  /** Salesforce access tokens from connected apps, shared with the deliveries. */
  CRM_TOKENS?: Env["CRM_TOKENS"];
};

export interface AccountFinderOptions {
  /** Store what searches found (the consumer); the simulator writes nothing. */
  writeCache: boolean;
  /** Search the CRM on a cache miss (the consumer); the simulator answers from the cache only. */
  callLookups: boolean;
  /** The configuration's destinations: where the option's destination and its credentials are found. */
  destinations: readonly DestinationConfig[];
  /** The clock, for tests. */
  now?: () => number;
}

/** What a search of one key came to, before caching. */
type KeyAnswer = { kind: "found"; record: AccountRecord } | { kind: "not_found" } | { kind: "failed"; error: string };

/** A cached match; a cached miss is the row's `null`. */
const cachedRecord = z.object({
  id: z.string(),
  name: z.string().optional(),
  domain: z.string().optional(),
  ownerId: z.string().optional(),
});

/** Candidates read per name search: the names are compared by key here, so HubSpot's token match only narrows. */
const nameCandidates = 100;

/**
 * Lead-to-account lookups: each key of the lead (its registrable domain, then its
 * normalized company name — src/lead/account-keys.ts) → cache → the CRM's
 * search → cache. The first key that matches a record wins; a key that matches
 * nothing is cached as a miss like an enrichment's negative answer, so an unknown
 * company costs one search per key per `cacheSeconds`. Failures are not cached.
 * Cache rows live in the enrichment cache under the scope
 * `account:<destination id>:<8 hex digits of its type and base URL>`, keys
 * `domain:<key>` / `name:<key>`, so pointing a destination at another portal
 * starts an empty cache.
 */
export function createAccountFinder(env: AccountEnv, options: AccountFinderOptions): FindAccount {
  const cache = createCacheIo(createDb(env.DB), { writeCache: options.writeCache, now: options.now ?? Date.now });
  const allowHttp = allowHttpFrom(env);

  async function search(option: AccountOwnerConfig, destination: DestinationConfig, by: AccountMatchBy, key: string): Promise<KeyAnswer> {
    if (destination.type === "salesforce") return searchSalesforce(option, destination, by, key);
    if (destination.type !== "hubspot")
      return {
        kind: "failed",
        error: `destination '${destination.id}' is a ${destination.type} destination; account owners are looked up in hubspot or salesforce`,
      };
    const limiter = env.DESTINATION_LIMITER?.getByName(destination.id);
    const properties = ["name", "domain", "hubspot_owner_id"];
    // A domain is stored as the company's primary domain; a name is matched by its
    // longest word, then every candidate's name is normalized and compared here.
    const filters =
      by === "domain"
        ? [{ propertyName: "domain", operator: "EQ" as const, value: key }]
        : [{ propertyName: "name", operator: "CONTAINS_TOKEN" as const, value: nameSearchWord(key) }];
    const answer = await searchHubspotCompanies(
      destination,
      { filters, properties, limit: by === "domain" ? 1 : nameCandidates },
      { allowHttp, timeoutMs: option.timeoutMs, ...(limiter ? { limiter } : {}) },
    );
    if (answer.kind === "failed") return answer;
    const company = by === "domain" ? answer.companies[0] : answer.companies.find((c) => nameOf(c) !== undefined && accountNameKey(nameOf(c) ?? "") === key);
    return company ? { kind: "found", record: recordOf(company) } : { kind: "not_found" };
  }

  /**
   * Salesforce: Accounts whose Website (by domain) or Name (by name, its longest word)
   * contains the key, oldest first; the first whose folded Website or normalized
   * Name equals the key matches, and its `OwnerId` is the owner.
   */
  async function searchSalesforce(
    option: AccountOwnerConfig,
    destination: Extract<DestinationConfig, { type: "salesforce" }>,
    by: AccountMatchBy,
    key: string,
  ): Promise<KeyAnswer> {
    const field = by === "domain" ? "Website" : "Name";
    const contains = by === "domain" ? key : nameSearchWord(key);
    const answer = await queryAccounts(
      destination,
      { field, contains, limit: nameCandidates },
      { allowHttp, timeoutMs: option.timeoutMs, ...(env.CRM_TOKENS ? { crmTokens: env.CRM_TOKENS } : {}) },
    );
    if (answer.kind === "failed") return answer;
    const account = answer.accounts.find((a) => {
      const value = by === "domain" ? a.Website : a.Name;
      if (!value) return false;
      return (by === "domain" ? accountDomainKey(value) : accountNameKey(value)) === key;
    });
    if (!account) return { kind: "not_found" };
    const { Id: id, Name: name, Website: website, OwnerId: ownerId } = account;
    const domain = website ? accountDomainKey(website) : undefined;
    return { kind: "found", record: { id, ...(name ? { name } : {}), ...(domain ? { domain } : {}), ...(ownerId ? { ownerId } : {}) } };
  }

  async function find(option: AccountOwnerConfig, lead: Lead): Promise<AccountLookup> {
    const keys = accountKeys(lead);
    const order: { by: AccountMatchBy; key: string }[] = [
      ...(keys.domain ? [{ by: "domain" as const, key: keys.domain }] : []),
      ...(keys.name ? [{ by: "name" as const, key: keys.name }] : []),
    ];
    const [first] = order;
    if (!first) return { outcome: "skipped", reason: "the lead has no company domain (free mail or none) and no company name" };
    const destination = options.destinations.find((d) => d.id === option.destination);
    if (!destination) return { outcome: "failed", ...first, error: `destination '${option.destination}' is not configured` };
    const scope = await scopeOf(destination);
    const tried: Extract<AccountLookup, { outcome: "no_match" }>["tried"] = [];
    for (const { by, key } of order) {
      const cacheKey = `${by}:${key}`;
      if (option.cacheSeconds > 0) {
        const cached = await cache.read(scope, cacheKey);
        if (cached?.fields === null) {
          tried.push({ by, key, found: "none_cached" });
          continue;
        }
        const record = cached ? cachedRecord.safeParse(cached.fields) : undefined;
        if (record?.success) return { outcome: "matched", by, key, cached: true, record: record.data };
      }
      if (!options.callLookups) {
        tried.push({ by, key, found: "not_cached" });
        continue;
      }
      const answer = await search(option, destination, by, key);
      if (answer.kind === "failed") return { outcome: "failed", by, key, error: answer.error };
      if (option.cacheSeconds > 0) await cache.write(scope, cacheKey, answer.kind === "found" ? { ...answer.record } : null, option.cacheSeconds);
      if (answer.kind === "found") return { outcome: "matched", by, key, cached: false, record: answer.record };
      tried.push({ by, key, found: "none" });
    }
    return { outcome: "no_match", tried };
  }

  return async (option, lead) => {
    try {
      return await find(option, lead);
    } catch (error) {
      // Each step reports failures as values; this keeps a bug from failing a routing batch.
      const keys = accountKeys(lead);
      return {
        outcome: "failed",
        by: keys.domain ? "domain" : "name",
        key: keys.domain ?? keys.name ?? "",
        error: `account lookup failed unexpectedly: ${errorMessage(error)}`,
      };
    }
  };
}

function nameOf(company: FoundCompany): string | undefined {
  return company.properties.name ?? undefined;
}

/** A HubSpot company as an account: `hubspot_owner_id` is its owner (empty or null: none). */
function recordOf(company: FoundCompany): AccountRecord {
  const { name, domain, hubspot_owner_id: ownerId } = company.properties;
  return { id: company.id, ...(name ? { name } : {}), ...(domain ? { domain } : {}), ...(ownerId ? { ownerId } : {}) };
}

async function scopeOf(destination: DestinationConfig): Promise<string> {
  const base =
    destination.type === "hubspot"
      ? destination.baseUrl
      : destination.type === "salesforce"
        ? (destination.instanceUrl ?? destination.auth?.tokenUrl ?? "")
        : "";
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${destination.type} ${base}`));
  return `account:${destination.id}:${[...new Uint8Array(digest).slice(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}
