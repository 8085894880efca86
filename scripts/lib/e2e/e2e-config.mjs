// The configuration the e2e suite loads through PUT /admin/v1/config: four sources of
// different providers, three CRMs and Slack, owner pools, and routes chosen so that
// every lead lands in exactly one CRM, known in advance from the lead alone.
import { randomBytes } from "node:crypto";

/** Fresh per run: nothing outside this run can sign for these sources. */
export function e2eSecrets() {
  return {
    typeform: randomBytes(24).toString("hex"),
    calendly: randomBytes(24).toString("hex"),
    website: `whsec_${randomBytes(32).toString("base64")}`,
    partner: randomBytes(24).toString("hex"),
  };
}

/** The only body limit below the default: oversized requests go to this source. */
export const smallBodySource = "website-signup";
export const smallBodyBytes = 8192;
/** The source flooded over its rate (429 + Retry-After expected). */
export const floodSource = "partner-referrals";
export const floodRate = { perSecond: 25, burst: 25 };

/** Pipedrive only takes owners that are users of the account. */
export const pipedriveUsers = [101, 102, 201, 202, 203];

/** The CRM (and extra destinations) a route writes to. */
export const routeTargets = {
  enterprise: { crm: "salesforce", also: [] },
  hot: { crm: "hubspot", also: ["slack"] },
  warm: { crm: "pipedrive", also: [] },
  rest: { crm: "hubspot", also: ["receiver"] },
};

// Sources take far more than one machine sends, except the flooded one, so a 429
// anywhere else would be a finding, not noise.
const roomy = { perSecond: 2000, burst: 2000 };
// Destinations: well above what the run needs (Slack's real 1/s would make 500
// notifications take 8 minutes), and few attempts, so dead letters come within a
// minute: backoff is 10 s doubling, with equal jitter.
const fast = { perSecond: 200, burst: 200 };

/** @param {Record<string, { url: string, credentials: Record<string, string> }>} fakes  @param {ReturnType<typeof e2eSecrets>} secrets */
export function e2eConfig(fakes, secrets) {
  return {
    sources: [
      {
        id: "typeform-leads",
        provider: "typeform",
        secrets: [secrets.typeform],
        rate: roomy,
        mapping: {
          email: "form_response.hidden.email",
          firstName: "form_response.hidden.first_name",
          lastName: "form_response.hidden.last_name",
          company: "form_response.hidden.company",
          country: "form_response.hidden.country",
          employees: "$number(form_response.hidden.employees)",
          score: "form_response.calculated.score",
        },
      },
      {
        id: smallBodySource,
        provider: "standard-webhooks",
        secrets: [secrets.website],
        rate: roomy,
        maxBodyBytes: smallBodyBytes,
        mapping: {
          email: "data.email",
          firstName: "data.name",
          lastName: "data.last_name",
          company: "data.company",
          country: "data.country",
          employees: "data.employees",
          score: "data.score",
        },
      },
      {
        id: "calendly-meetings",
        provider: "calendly",
        secrets: [secrets.calendly],
        rate: roomy,
        mapping: {
          email: "payload.email",
          firstName: "payload.first_name",
          lastName: "payload.last_name",
          company: 'payload.questions_and_answers[question="Company"].answer',
          country: 'payload.questions_and_answers[question="Country"].answer',
          employees: '$number(payload.questions_and_answers[question="Team size"].answer)',
          score: '$number(payload.questions_and_answers[question="Budget score"].answer)',
          "custom.meeting": "payload.scheduled_event.name",
        },
      },
      {
        id: floodSource,
        provider: "hmac",
        secrets: [secrets.partner],
        rate: floodRate,
        // Stripe-like: sha256 hex over "{timestamp}.{body}", with the delivery id in a header.
        hmac: {
          header: "x-signature",
          algorithm: "sha256",
          encoding: "hex",
          prefix: "sha256=",
          template: "{timestamp}.{body}",
          timestampHeader: "x-timestamp",
          idHeader: "x-delivery-id",
        },
        mapping: {
          email: "email",
          firstName: "first_name",
          lastName: "last_name",
          company: "company",
          country: "country",
          employees: "employees",
          score: "score",
        },
      },
    ],
    pools: [
      {
        id: "enterprise-ae",
        strategy: "round_robin",
        members: [
          { ownerId: "101", weight: 2 },
          { ownerId: "102", weight: 1 },
        ],
      },
      { id: "salesforce-ae", members: [{ ownerId: "005000000000001AAA" }, { ownerId: "005000000000002AAA" }] },
      { id: "smb-reps", strategy: "load_balanced", members: [{ ownerId: "201" }, { ownerId: "202" }, { ownerId: "203" }] },
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
        id: "salesforce",
        type: "salesforce",
        instanceUrl: fakes.salesforce.url,
        accessToken: fakes.salesforce.credentials.accessToken,
        externalIdField: fakes.salesforce.credentials.externalIdField,
        rate: fast,
        maxAttempts: 3,
        // The run's 502 ×15 (run.mjs) would open the circuit breaker and wait out its
        // cool-downs; this run checks each faulted call becomes a retried attempt. The
        // breaker has its own tests (test/delivery/destination-holds.test.ts).
        breaker: false,
      },
      {
        id: "pipedrive",
        type: "pipedrive",
        apiToken: fakes.pipedrive.credentials.apiToken,
        baseUrl: fakes.pipedrive.url,
        rate: fast,
        searchRate: fast,
        maxAttempts: 4,
      },
      { id: "sales-slack", type: "slack", url: fakes.slack.url, rate: fast, maxAttempts: 4 },
      { id: "warehouse", type: "http", url: fakes.receiver.url, secret: fakes.receiver.credentials.secret, rate: fast, maxAttempts: 4 },
    ],
    routes: [
      {
        id: "enterprise",
        when: {
          all: [
            { field: "employees", op: "gte", value: 1000 },
            { field: "country", op: "in", value: ["US", "CA", "GB"] },
          ],
        },
        actions: [{ assign: { pool: "salesforce-ae" } }, { upsert: { destination: "salesforce" } }],
      },
      {
        id: "hot",
        when: { all: [{ field: "score", op: "gt", value: 80 }] },
        actions: [{ assign: { pool: "enterprise-ae" } }, { upsert: { destination: "hubspot" } }, { notify: { destination: "sales-slack" } }],
      },
      {
        id: "warm",
        when: { all: [{ field: "score", op: "gte", value: 50 }] },
        actions: [{ assign: { pool: "smb-reps" } }, { upsert: { destination: "pipedrive" } }],
      },
      {
        id: "rest",
        when: { always: true },
        actions: [{ upsert: { destination: "hubspot", properties: { lifecyclestage: "lead" } } }, { forward: { destination: "warehouse" } }],
      },
    ],
    settings: { alertDestination: "sales-slack" },
  };
}
