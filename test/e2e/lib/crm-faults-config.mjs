// The configuration of the faulted CRM run (crm-faults.e2e.mjs): one signed source
// whose leads say which scenario they belong to (`scenario` in the body, mapped to
// `custom.scenario`), and one route per scenario. The first route tests every lead's
// company against `(a|a)*$` (catastrophic for a backtracking engine), and the source
// mapping runs the same pattern as a JSONata regex literal, so every lead of the run
// goes through both.
import { randomBytes } from "node:crypto";

/** The pattern issue 13 froze the gateway with, in a route and in a mapping. */
export const evilPattern = "(a|a)*$";
/** A company that makes `(a|a)*$` backtrack 2^40 ways on an engine that can. */
export const evilCompany = `${"a".repeat(40)}!`;
/** Just under the source's body limit (1.5 MiB, the most a source may take). */
export const bigLeadBytes = 1_400_000;

/** HubSpot owners the portal has; the `departed` pool's 999 is not one of them. */
export const hubspotOwners = ["101", "102"];
export const departedOwner = "999";
export const fallbackOwner = "101";
/** Pipedrive users: the only valid `owner_id`s. */
export const pipedriveUsers = [201, 202];
/** How far Pipedrive's search trails a create in this run (docs/connectors.md: not documented, observed). */
export const pipedriveSearchLagMs = 3000;
/** Salesforce access tokens expire after this many API calls (sessions time out in a real org). */
export const salesforceTokenLifetimeCalls = 3;
/** Salesforce leads, sent in waves so that tokens expire between and within them. */
export const salesforceLeads = 30;
export const salesforceWaves = 6;
/** ISO codes the leads carry: a picklist org takes them only in `CountryCode`. */
export const salesforceCountries = ["US", "GB", "DE", "FR", "CA"];
/** Attempts of the destination that goes through an outage: the outage outlasts them. */
export const outageAttempts = 2;

/** How long the 20 leads behind the bad ones may take to reach the CRM (issue 13: a minute). */
export const isolationBudgetMs = 60_000;
/** A /healthz poll slower than this counts as not answering. */
export const healthzTimeoutMs = 5_000;
export const normalLeadsBehind = 20;
export const batchLeads = 100;
export const sameEmailLeads = 5;
export const outageLeads = 3;

export function crmFaultsSecrets() {
  return { forms: `whsec_${randomBytes(32).toString("base64")}` };
}

/**
 * @param {{ hubspot: { url: string, credentials: Record<string,string> }, pipedrive: { url: string, credentials: Record<string,string> },
 *   salesforce: { url: string, credentials: Record<string,string> }, slack: { url: string }, hubspotOutage: { url: string, credentials: Record<string,string> } }} fakes
 */
export function crmFaultsConfig(fakes, secrets) {
  const scenario = (name) => ({ field: "custom.scenario", op: "eq", value: name });
  return {
    sources: [
      {
        id: "forms",
        provider: "standard-webhooks",
        secrets: [secrets.forms],
        rate: { perSecond: 2000, burst: 2000 },
        maxBodyBytes: 1.5 * 1024 * 1024,
        mapping: {
          email: "email",
          firstName: "first_name",
          lastName: "last_name",
          company: "company",
          country: "country",
          score: "score",
          "custom.scenario": "scenario",
          "custom.notes": "notes",
          // Issue 13: JSONata regex literals were not checked at all.
          "custom.aRun": `$contains(company, /${evilPattern}/)`,
        },
      },
    ],
    pools: [
      { id: "hubspot-reps", members: hubspotOwners.map((ownerId) => ({ ownerId })) },
      // A rep who left: HubSpot no longer knows the owner, the pool names a fallback.
      { id: "departed", members: [{ ownerId: departedOwner }], fallbackOwnerId: fallbackOwner },
      { id: "pipedrive-reps", members: pipedriveUsers.map((id) => ({ ownerId: String(id) })) },
    ],
    destinations: [
      {
        id: "hubspot",
        type: "hubspot",
        token: fakes.hubspot.credentials.token,
        baseUrl: fakes.hubspot.url,
        rate: { perSecond: 50, burst: 50 },
        maxAttempts: 4,
      },
      {
        id: "hubspot-outage",
        type: "hubspot",
        token: fakes.hubspotOutage.credentials.token,
        baseUrl: fakes.hubspotOutage.url,
        rate: { perSecond: 50, burst: 50 },
        maxAttempts: outageAttempts,
        // The outage must outlast the retry budget (dead letters, then replay); a
        // circuit breaker would hold the leads instead (test/delivery/destination-holds.test.ts).
        breaker: false,
      },
      // OAuth with a refresh token: the connector gets access tokens itself and
      // refreshes them when Salesforce says the session expired.
      {
        id: "salesforce",
        type: "salesforce",
        auth: {
          type: "refresh_token",
          tokenUrl: fakes.salesforce.credentials.tokenUrl,
          clientId: fakes.salesforce.credentials.clientId,
          clientSecret: fakes.salesforce.credentials.clientSecret,
          refreshToken: fakes.salesforce.credentials.refreshToken,
        },
        externalIdField: fakes.salesforce.credentials.externalIdField,
        rate: { perSecond: 200, burst: 200 },
        maxAttempts: 4,
      },
      // The fake has no plan (no 2-second window) but keeps its search lag.
      { id: "pipedrive", type: "pipedrive", apiToken: fakes.pipedrive.credentials.apiToken, baseUrl: fakes.pipedrive.url, maxAttempts: 4 },
      { id: "sales-slack", type: "slack", url: fakes.slack.url, rate: { perSecond: 200, burst: 200 }, maxAttempts: 4 },
    ],
    routes: [
      {
        id: "isolation",
        // The regex first, so every lead of the run is tested against it.
        when: { all: [{ field: "company", op: "matches", value: evilPattern }, scenario("isolation")] },
        actions: [{ assign: { pool: "hubspot-reps" } }, { upsert: { destination: "hubspot" } }],
      },
      {
        id: "hubspot-departed",
        when: { all: [scenario("hubspot-batch"), { field: "company", op: "eq", value: "Departed Owner Inc" }] },
        actions: [{ assign: { pool: "departed" } }, { upsert: { destination: "hubspot" } }],
      },
      { id: "hubspot-batch", when: scenario("hubspot-batch"), actions: [{ assign: { pool: "hubspot-reps" } }, { upsert: { destination: "hubspot" } }] },
      { id: "pipedrive-same-email", when: scenario("pipedrive"), actions: [{ assign: { pool: "pipedrive-reps" } }, { upsert: { destination: "pipedrive" } }] },
      { id: "salesforce-oauth", when: scenario("salesforce"), actions: [{ upsert: { destination: "salesforce" } }] },
      { id: "outage", when: scenario("outage"), actions: [{ upsert: { destination: "hubspot-outage" } }] },
    ],
    settings: { alertDestination: "sales-slack" },
  };
}
