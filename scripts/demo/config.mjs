// The demo configuration `npm start` loads: sources for several providers with dev
// secrets, owner pools, routes, and destinations pointing at the local CRM fakes.
// It is an ordinary configuration document (see docs/configuration.md).

/** Dev secrets, printed by `npm start` and used by `npm run demo` to sign requests. */
export const demoSecrets = {
  typeform: "demo-typeform-secret",
  calendly: "demo-calendly-signing-key",
  website: `whsec_${Buffer.from("demo-website-secret-0123456789ab").toString("base64")}`,
  partner: "demo-partner-hmac-secret",
  outcomes: "demo-crm-outcomes-secret",
};

/** Monday to Friday, 09:00–17:00 in the owner's zone. */
const officeHours = Object.fromEntries(["mon", "tue", "wed", "thu", "fri"].map((day) => [day, ["09:00-17:00"]]));

/** The SLA the hot route holds its owner to: short, so a demo run sees one fire. */
export const demoSla = { within: "15s", until: "contacted", then: "reassign", notify: "sales-slack" };

/** Fixed ports, so the stored configuration keeps pointing at the fakes across restarts. */
export const demoFakePorts = { hubspot: 8791, salesforce: 8792, pipedrive: 8793, slack: 8794, receiver: 8795 };

/** The fakes' own settings: Pipedrive only accepts owners that are users of the account. */
export const demoFakeOptions = { pipedrive: { users: [101, 102, 201, 202, 203] } };

/** @param {Record<string, { url: string, credentials: Record<string, string> }>} fakes */
export function demoConfig(fakes) {
  return {
    sources: [
      {
        id: "typeform-leads",
        provider: "typeform",
        secrets: [demoSecrets.typeform],
        rate: { perSecond: 20, burst: 40 },
        mapping: {
          email: "form_response.hidden.email",
          firstName: "form_response.hidden.first_name",
          lastName: "form_response.hidden.last_name",
          company: "form_response.hidden.company",
          country: "form_response.hidden.country",
          employees: "$number(form_response.hidden.employees)",
          score: "$number(form_response.calculated.score)",
        },
      },
      {
        id: "calendly-meetings",
        provider: "calendly",
        secrets: [demoSecrets.calendly],
        mapping: {
          email: "payload.email",
          firstName: "payload.first_name",
          lastName: "payload.last_name",
          score: "90",
          "custom.meeting": "payload.scheduled_event.name",
        },
      },
      {
        id: "website-signup",
        provider: "standard-webhooks",
        secrets: [demoSecrets.website],
        defaultRegion: "US",
        mapping: {
          email: "data.email",
          firstName: "data.name",
          company: "data.company",
          phone: "data.phone",
          website: "data.website",
          employees: "data.employees",
          score: "data.score",
        },
      },
      {
        id: "partner-referrals",
        provider: "hmac",
        secrets: [demoSecrets.partner],
        hmac: { header: "x-signature", algorithm: "sha256", encoding: "hex", prefix: "sha256=" },
        dedup: { by: "json-path", path: "referral_id" },
      },
      {
        // The CRM telling the gateway what became of its leads: contacted, qualified, won…
        id: "crm-outcomes",
        provider: "hmac",
        kind: "outcomes",
        secrets: [demoSecrets.outcomes],
        hmac: { header: "x-signature", algorithm: "sha256", encoding: "hex", prefix: "sha256=" },
        outcomes: { format: "generic" },
      },
    ],
    // Owners in three zones; pools without `availability` ignore hours but skip owners away.
    owners: [
      { id: "101", name: "Ada", timeZone: "Europe/Berlin", workingHours: officeHours },
      { id: "102", name: "Grace", timeZone: "America/New_York", workingHours: officeHours },
      { id: "201", name: "Hiro", timeZone: "Asia/Tokyo", workingHours: officeHours },
      { id: "202", name: "Lin", timeZone: "Europe/Berlin", workingHours: officeHours },
      { id: "005000000000003AAA", name: "Charles", timeZone: "Europe/London" },
      {
        id: "203",
        name: "Sam",
        timeZone: "America/New_York",
        workingHours: officeHours,
        away: [{ from: "2026-01-01T00:00:00Z", until: "2099-01-01T00:00:00Z", reason: "parental leave" }],
      },
    ],
    pools: [
      {
        id: "enterprise-ae",
        strategy: "round_robin",
        members: [
          { ownerId: "101", name: "Ada", weight: 2, dailyCap: 40 },
          { ownerId: "102", name: "Grace", weight: 1 },
        ],
      },
      {
        id: "salesforce-ae",
        members: [
          { ownerId: "005000000000001AAA", name: "Alan" },
          { ownerId: "005000000000002AAA", name: "Edsger" },
        ],
      },
      { id: "smb-reps", strategy: "load_balanced", members: [{ ownerId: "201" }, { ownerId: "202" }, { ownerId: "203" }] },
    ],
    destinations: [
      { id: "hubspot", type: "hubspot", token: fakes.hubspot.credentials.token, baseUrl: fakes.hubspot.url },
      {
        id: "salesforce",
        type: "salesforce",
        instanceUrl: fakes.salesforce.url,
        accessToken: fakes.salesforce.credentials.accessToken,
        externalIdField: fakes.salesforce.credentials.externalIdField,
      },
      { id: "pipedrive", type: "pipedrive", apiToken: fakes.pipedrive.credentials.apiToken, baseUrl: fakes.pipedrive.url },
      { id: "sales-slack", type: "slack", url: fakes.slack.url },
      { id: "data-warehouse", type: "http", url: fakes.receiver.url, secret: fakes.receiver.credentials.secret },
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
        // The account's owner when Salesforce has an Account for the company (the demo seeds
        // Analytical Engines, owned by Charles), else the pool.
        actions: [
          { assign: { accountOwner: { destination: "salesforce", fallbackPool: "salesforce-ae" } } },
          { upsert: { destination: "salesforce" } },
          { notify: { destination: "sales-slack" } },
        ],
      },
      {
        id: "hot",
        when: { all: [{ field: "score", op: "gt", value: 80 }] },
        actions: [{ assign: { pool: "enterprise-ae" } }, { upsert: { destination: "hubspot" } }, { notify: { destination: "sales-slack" } }, { sla: demoSla }],
      },
      {
        id: "warm",
        when: { all: [{ field: "score", op: "gte", value: 50 }] },
        actions: [{ assign: { pool: "smb-reps" } }, { upsert: { destination: "pipedrive" } }],
        // An experiment: does a HubSpot MQL next to the Pipedrive person get warm leads qualified more often?
        split: [
          { arm: "pipedrive-only", weight: 1, actions: [] },
          { arm: "with-hubspot-mql", weight: 1, actions: [{ upsert: { destination: "hubspot", properties: { lifecyclestage: "marketingqualifiedlead" } } }] },
        ],
      },
      { id: "rest", when: { always: true }, actions: [{ upsert: { destination: "hubspot" } }, { forward: { destination: "data-warehouse" } }] },
    ],
    settings: { alertDestination: "sales-slack" },
  };
}

/** Accounts the demo seeds in the Salesforce fake, so the enterprise route finds an account owner. */
export const demoAccounts = [{ Name: "Analytical Engines Ltd", Website: "https://www.analytical-engines.example", OwnerId: "005000000000003AAA" }];
