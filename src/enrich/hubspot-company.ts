import { z } from "zod";
import type { DestinationConfig, EnrichmentConfig } from "../config/schema";
import { parseJson, sendHttp } from "../connectors/http";
import { dailyReset, holdOf, hubspotRate, type Limiter } from "../connectors/hubspot-limits";
import type { LookupAnswer } from "./answer";
import { transportError } from "./http-lookup";

export type HubspotCompanyEnrichment = Extract<EnrichmentConfig, { type: "hubspot-company" }>;
type HubspotDestination = Extract<DestinationConfig, { type: "hubspot" }>;

/** What is asked for when the enrichment names no `properties`. */
export const defaultCompanyProperties = ["name", "domain", "industry", "numberofemployees", "country", "annualrevenue"];

/**
 * The answer of "Search for companies" as documented: `{ total, results: [{ id,
 * properties, createdAt, updatedAt, archived }], paging? }`; property values are
 * strings, or null when the company has none.
 */
const searchAnswer = z.object({
  total: z.number().int().nonnegative(),
  results: z.array(z.object({ id: z.string(), properties: z.record(z.string(), z.string().nullable()) }).loose()),
});

/** HubSpot's error body: `{ status: "error", message, correlationId, category }` (a 429 has `errorType`). */
const errorAnswer = z.object({ category: z.string().optional(), errorType: z.string().optional() }).loose();

/** One filter of a company search, as the CRM search API takes it. */
export interface CompanyFilter {
  propertyName: string;
  operator: "EQ" | "CONTAINS_TOKEN";
  value: string;
}

/** A company as the search returns it: its id and the requested properties (null when unset). */
export interface FoundCompany {
  id: string;
  properties: Record<string, string | null>;
}

export type CompanySearchAnswer = { kind: "found"; companies: FoundCompany[] } | { kind: "failed"; error: string };

/**
 * Searches HubSpot's companies with the token of a `hubspot` destination (it needs
 * the crm.objects.companies.read scope): `POST {baseUrl}/crm/v3/objects/companies/search`
 * with one filter group, the oldest company first (HubSpot allows several companies
 * per domain or name), at most `limit`.
 * https://developers.hubspot.com/docs/api-reference/legacy/crm/objects/companies/search/search-companies
 * https://developers.hubspot.com/docs/api/crm/search (operators, `CONTAINS_TOKEN` with `*`)
 *
 * The one place Switchboard asks HubSpot about companies: the company enrichment
 * and the account-owner lookup both come here. The call takes a token from the
 * destination's limiter (`options.limiter`), the one its deliveries use: waiting
 * for it within `timeoutMs`, else the search fails and routing goes on without
 * it. HubSpot's 429 holds that limiter as it holds deliveries.
 */
export async function searchHubspotCompanies(
  destination: HubspotDestination,
  search: { filters: CompanyFilter[]; properties: string[]; limit: number },
  options: { allowHttp: boolean; timeoutMs: number; limiter?: Limiter },
): Promise<CompanySearchAnswer> {
  const { limiter, timeoutMs } = options;
  if (limiter) {
    const { perSecond, burst } = hubspotRate(destination);
    const wait = await limiter.take(perSecond, burst);
    if (wait * 1000 >= timeoutMs) return { kind: "failed", error: `HubSpot's rate limit: the destination is busy for ${Math.ceil(wait)} s` };
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait * 1000));
  }
  const body = {
    filterGroups: [{ filters: search.filters }],
    properties: search.properties,
    sorts: [{ propertyName: "createdate", direction: "ASCENDING" }],
    limit: search.limit,
  };
  const result = await sendHttp(
    {
      url: `${destination.baseUrl.replace(/\/+$/, "")}/crm/v3/objects/companies/search`,
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", authorization: `Bearer ${destination.token}` },
      body: JSON.stringify(body),
    },
    { timeoutMs, allowHttp: options.allowHttp },
  );
  if (result.kind !== "response") return { kind: "failed", error: transportError(result, timeoutMs) };
  const hold = holdOf(result, destination);
  if (hold && limiter) await limiter.hold((await dailyReset(hold, destination, options)).untilMs);
  const json = parseJson(result.text);
  if (result.status < 200 || result.status >= 300) {
    const error = errorAnswer.safeParse(json);
    const code = error.success ? (error.data.category ?? error.data.errorType) : undefined;
    return { kind: "failed", error: code ? `HubSpot answered HTTP ${result.status} ${code}` : `HubSpot answered HTTP ${result.status}` };
  }
  const answer = searchAnswer.safeParse(json);
  if (!answer.success) return { kind: "failed", error: "HubSpot's search answer is not the documented shape" };
  return { kind: "found", companies: answer.data.results };
}

/**
 * Finds the HubSpot company whose `domain` is the lead's (one EQ filter, the oldest
 * first, limit 1). The `fields` expressions run over that company: `{ id,
 * properties: {…}, createdAt, updatedAt, archived }`.
 */
export async function lookupHubspotCompany(
  enrichment: HubspotCompanyEnrichment,
  destination: HubspotDestination,
  domain: string,
  options: { allowHttp: boolean; limiter?: Limiter },
): Promise<LookupAnswer> {
  const properties = [...new Set(["domain", ...(enrichment.properties ?? defaultCompanyProperties)])];
  const found = await searchHubspotCompanies(
    destination,
    { filters: [{ propertyName: "domain", operator: "EQ", value: domain }], properties, limit: 1 },
    { ...options, timeoutMs: enrichment.timeoutMs },
  );
  if (found.kind === "failed") return found;
  const [company] = found.companies;
  return company ? { kind: "found", answer: company } : { kind: "not_found" };
}
