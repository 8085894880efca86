import { z } from "zod";
import { createFakeApp, createState, EMAIL_PATTERN, isRecord, jsonResponse, readJson, uuid } from "./common";

/**
 * Contract fake of HubSpot's CRM contacts batch upsert
 * (`POST /crm/v3/objects/contacts/batch/upsert`, Bearer private-app token). It is as
 * strict as the API: it never accepts what HubSpot refuses. Each behaviour and where
 * it is documented:
 * - 401 `{ status, message, correlationId, category: "INVALID_AUTHENTICATION" }`
 *   https://developers.hubspot.com/docs/api-reference/error-handling
 * - One invalid input refuses the whole batch: 400 `{ status: "error", message:
 *   "Property values were not valid: [...]", correlationId, category: "VALIDATION_ERROR" }`
 *   and nothing is written. "any errors with a single contact in your batch will
 *   prevent the entire batch from processing"
 *   https://developers.hubspot.com/docs/methods/contacts/batch_create_or_update
 *   (the v1 batch page; the v3 reference does not say otherwise, see docs/connectors.md).
 *   Invalid inputs: an unknown property (PROPERTY_DOESNT_EXIST), an owner id the portal
 *   does not have in `hubspot_owner_id` (INVALID_OWNER_ID; owners come from
 *   https://developers.hubspot.com/docs/guides/api/crm/owners), an enumeration value
 *   that is not an option (`lifecyclestage`, INVALID_OPTION), a bad email
 *   (INVALID_EMAIL), more than 100 inputs, two inputs with the same id.
 * - 207 only when multi-status is asked for: every input carries its own
 *   `objectWriteTraceId` ("to enable multi-status … include a unique
 *   objectWriteTraceId value for each input",
 *   https://developers.hubspot.com/docs/api-reference/error-handling#multi-status-errors).
 *   Then valid inputs are written, `results[]` echo their trace id and `errors[]`
 *   name the others in `context.objectWriteTraceId`. Without it: 400 for the batch.
 * - 429 `{ status, message, errorType: "RATE_LIMIT", correlationId, policyName,
 *   requestId }` with `X-HubSpot-RateLimit-*` headers and no Retry-After;
 *   `policyName` is `TEN_SECONDLY_ROLLING` (`rateLimit`) or `DAILY` (`dailyLimit`).
 *   https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details and
 *   https://developers.hubspot.com/changelog/2018-11-06-rate-limit-information-headers-will-be-included-in-http-responses
 * - `GET /account-info/v3/api-usage/daily/private-apps`: the daily usage and when it
 *   resets (`resetsAt`, `dailyResetsAt`), per …/account-information/get-usage-details
 * - 200 `{ status: "COMPLETE", results, startedAt, completedAt }`; results come back
 *   in reverse input order, because HubSpot does not promise any order
 *   https://developers.hubspot.com/docs/api-reference/legacy/crm/objects/contacts/batch/upsert-contacts
 * Contacts are keyed by lower-cased email: the same email updates the same record.
 *
 * Also "Search for companies" (`POST /crm/v3/objects/companies/search`), per
 * …/docs/api-reference/legacy/crm/objects/companies/search/search-companies and the
 * CRM search guide: `{ filterGroups: [{ filters: [{ propertyName, operator, value |
 * values }] }], properties?, sorts?, limit?, after? }` (at most 5 groups, 6 filters
 * a group, 18 in all, limit 1–200; groups are ORed, a group's filters ANDed) →
 * 200 `{ total, results: [{ id, properties, createdAt, updatedAt, archived }], paging? }`.
 * Without `properties` a result carries the defaults (name, domain, createdate,
 * hs_lastmodifieddate, hs_object_id); a requested property a company lacks is null.
 * String EQ/NEQ/IN compare case-insensitively; archived companies are never found.
 * `CONTAINS_TOKEN` (`*` a wildcard, per https://developers.hubspot.com/docs/api/crm/search)
 * is matched as a substring: looser than HubSpot's tokenizer, which is not documented,
 * so callers must compare what comes back themselves (the account lookup does).
 * A company's owner is its default property `hubspot_owner_id`, an owner `id` from
 * https://developers.hubspot.com/docs/guides/api/crm/owners ("used when assigning an
 * owner to a record"); seed it like any property.
 * Companies are seeded with `POST /__fake/companies` (one or a list of
 * `{ properties, id?, archived? }`) and listed with `GET /__fake/companies`.
 */
export const hubspotFakeOptionsSchema = z.object({
  token: z.string().default("pat-na1-fake-hubspot-token"),
  /** The rolling burst limit (HubSpot: 100 or 190 per 10 s, by plan). */
  rateLimit: z.object({ requests: z.number().int().positive(), perMs: z.number().int().positive() }).optional(),
  /** Requests allowed per day (HubSpot: 250,000 to 1,000,000, by plan); past it every call gets a DAILY 429. */
  dailyLimit: z.number().int().positive().optional(),
  /** When the daily limit resets (ISO), as the usage endpoint says; default the next midnight UTC. */
  dailyResetsAt: z.string().optional(),
  /** Valid `hubspot_owner_id` values; unset accepts any numeric id. */
  owners: z.array(z.string()).optional(),
  /** Custom contact properties that exist in this portal. */
  extraProperties: z.array(z.string()).default([]),
});
export type HubspotFakeOptions = z.input<typeof hubspotFakeOptionsSchema>;

export interface HubspotCompany {
  id: string;
  properties: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

const companySeedSchema = z.object({
  id: z.string().regex(/^\d+$/).optional(),
  properties: z.record(z.string(), z.union([z.string(), z.number()]).transform(String)),
  archived: z.boolean().default(false),
});

const OPERATORS = [
  "EQ",
  "NEQ",
  "LT",
  "LTE",
  "GT",
  "GTE",
  "BETWEEN",
  "IN",
  "NOT_IN",
  "HAS_PROPERTY",
  "NOT_HAS_PROPERTY",
  "CONTAINS_TOKEN",
  "NOT_CONTAINS_TOKEN",
] as const;
const filterSchema = z
  .object({
    propertyName: z.string().min(1),
    operator: z.enum(OPERATORS),
    value: z.union([z.string(), z.number(), z.boolean()]).transform(String).optional(),
    highValue: z.union([z.string(), z.number()]).transform(String).optional(),
    values: z.array(z.union([z.string(), z.number()]).transform(String)).optional(),
  })
  .strict();
const searchSchema = z
  .object({
    filterGroups: z
      .array(z.object({ filters: z.array(filterSchema).max(6) }).strict())
      .max(5)
      .default([]),
    properties: z.array(z.string()).optional(),
    sorts: z
      .array(z.union([z.string(), z.object({ propertyName: z.string(), direction: z.enum(["ASCENDING", "DESCENDING"]).default("ASCENDING") })]))
      .max(1)
      .optional(),
    query: z.string().optional(),
    limit: z.number().int().min(1).max(200).default(10),
    after: z.union([z.string(), z.number()]).optional(),
  })
  .strict();
type SearchFilter = z.infer<typeof filterSchema>;
const DEFAULT_COMPANY_PROPERTIES = ["createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"];

export interface HubspotContact {
  id: string;
  properties: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

const DEFAULT_PROPERTIES = [
  "email",
  "firstname",
  "lastname",
  "company",
  "phone",
  "mobilephone",
  "website",
  "country",
  "state",
  "city",
  "zip",
  "address",
  "industry",
  "jobtitle",
  "numemployees",
  "annualrevenue",
  "lifecyclestage",
  "hs_lead_status",
  "hubspot_owner_id",
  "message",
];
/** The default options of the `hs_lead_status` dropdown (a portal may change them). */
const LEAD_STATUSES = ["NEW", "OPEN", "IN_PROGRESS", "OPEN_DEAL", "UNQUALIFIED", "ATTEMPTED_TO_CONTACT", "CONNECTED", "BAD_TIMING"];
const LIFECYCLE_STAGES = ["subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer", "evangelist", "other"];
const AUTH_MESSAGE =
  "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview";

export function createHubspotFake(input: HubspotFakeOptions = {}) {
  const options = hubspotFakeOptionsSchema.parse(input);
  const known = new Set([...DEFAULT_PROPERTIES, ...options.extraProperties]);
  let window: number[] = [];
  let today = 0;
  let nextId = 1001;
  let companies = new Map<string, HubspotCompany>();
  let nextCompanyId = 5001;
  const state = createState(
    "hubspot",
    () => new Map<string, HubspotContact>(),
    () => {
      window = [];
      today = 0;
      nextId = 1001;
      companies = new Map();
      nextCompanyId = 5001;
    },
  );

  const app = createFakeApp(
    state,
    { error: (status) => ({ body: JSON.stringify(errorBody(status)), contentType: "application/json;charset=utf-8" }) },
    (records) => [...records.values()],
    (control) => {
      control.post("/__fake/companies", async (c) => {
        const parsed = z.union([companySeedSchema, z.array(companySeedSchema)]).safeParse(await c.req.json().catch(() => undefined));
        if (!parsed.success) return c.json({ error: "expected { properties, id?, archived? } or a list", issues: parsed.error.issues }, 400);
        const created = (Array.isArray(parsed.data) ? parsed.data : [parsed.data]).map((seed) => {
          const now = new Date().toISOString();
          const id = seed.id ?? String(nextCompanyId++);
          const company: HubspotCompany = {
            id,
            properties: { ...seed.properties, createdate: seed.properties.createdate ?? now, hs_object_id: id },
            createdAt: seed.properties.createdate ?? now,
            updatedAt: now,
            archived: seed.archived,
          };
          companies.set(id, company);
          return company;
        });
        return c.json({ companies: created }, 201);
      });
      control.get("/__fake/companies", (c) => c.json([...companies.values()]));
    },
  );

  app.use("/crm/*", async (c, next) => {
    if (c.req.header("authorization") !== `Bearer ${options.token}`) return jsonResponse(errorBody(401), 401);
    const limit = options.rateLimit;
    const now = Date.now();
    if (limit) window = window.filter((at) => at > now - limit.perMs);
    const headers = (): Record<string, string> => ({
      ...(limit
        ? {
            "x-hubspot-ratelimit-interval-milliseconds": String(limit.perMs),
            "x-hubspot-ratelimit-max": String(limit.requests),
            "x-hubspot-ratelimit-remaining": String(Math.max(0, limit.requests - window.length)),
          }
        : {}),
      ...(options.dailyLimit === undefined
        ? {}
        : {
            "x-hubspot-ratelimit-daily": String(options.dailyLimit),
            "x-hubspot-ratelimit-daily-remaining": String(Math.max(0, options.dailyLimit - today)),
          }),
    });
    // No Retry-After on either: HubSpot states its limits in these headers and the body.
    if (options.dailyLimit !== undefined && today >= options.dailyLimit) return jsonResponse(rateLimitBody("DAILY"), 429, headers());
    if (limit && window.length >= limit.requests) return jsonResponse(rateLimitBody("TEN_SECONDLY_ROLLING"), 429, headers());
    if (limit) window.push(now);
    today += 1;
    await next();
    for (const [name, value] of Object.entries(headers())) c.res.headers.set(name, value);
  });

  // "Retrieve the daily API usage for private apps"; not counted against the limits here.
  // https://developers.hubspot.com/docs/api-reference/legacy/account/account-information/get-usage-details
  app.get("/account-info/v3/api-usage/daily/private-apps", (c) => {
    if (c.req.header("authorization") !== `Bearer ${options.token}`) return jsonResponse(errorBody(401), 401);
    const midnight = new Date();
    midnight.setUTCHours(24, 0, 0, 0);
    return jsonResponse(
      {
        results: [
          {
            collectedAt: new Date().toISOString(),
            currentUsage: today,
            fetchStatus: "SUCCESS",
            name: "private-apps-api-calls-daily",
            resetsAt: options.dailyResetsAt ?? midnight.toISOString(),
            usageLimit: options.dailyLimit ?? 250_000,
          },
        ],
      },
      200,
    );
  });

  app.post("/crm/v3/objects/contacts/batch/upsert", async (c) => {
    const startedAt = new Date().toISOString();
    const body = await readJson(c);
    if (body === undefined) return validation("Invalid input JSON: the request body is not JSON");
    if (!isRecord(body) || !Array.isArray(body.inputs)) return validation("Invalid input JSON: `inputs` must be an array");
    if (body.inputs.length > 100) return validation(`Batch input too large: ${body.inputs.length} inputs (limit 100)`);

    const inputs: { id: string; properties: Record<string, string>; traceId?: string; problems: PropertyProblem[] }[] = [];
    for (const raw of body.inputs) {
      if (!isRecord(raw) || typeof raw.id !== "string" || raw.id === "") return validation("Each input needs a string `id`");
      if (raw.idProperty !== "email") return validation(`Unable to perform update/upsert by non-unique property ${String(raw.idProperty)}`);
      if (!isRecord(raw.properties)) return validation("Each input needs a `properties` object");
      if (raw.objectWriteTraceId !== undefined && typeof raw.objectWriteTraceId !== "string") return validation("`objectWriteTraceId` must be a string");
      const properties: Record<string, string> = {};
      const problems: PropertyProblem[] = [];
      for (const [name, value] of Object.entries(raw.properties)) {
        if (typeof value !== "string") return validation(`Property "${name}" must be a string`);
        properties[name] = value;
        problems.push(...checkProperty(name, value, known, options.owners));
      }
      if (!EMAIL_PATTERN.test(raw.id)) problems.push(problem("email", "INVALID_EMAIL", `Email address ${raw.id} is invalid`));
      inputs.push({ id: raw.id.toLowerCase(), properties, problems, ...(raw.objectWriteTraceId ? { traceId: raw.objectWriteTraceId } : {}) });
    }
    const seen = new Set<string>();
    const duplicates = inputs.filter(({ id }) => (seen.has(id) ? true : (seen.add(id), false))).map(({ id }) => id);
    if (duplicates.length > 0) return validation(`Duplicate IDs found in batch input: [${duplicates.join(", ")}]`);

    const traceIds = inputs.map((input) => input.traceId);
    const multiStatus = traceIds.every((id) => id !== undefined) && new Set(traceIds).size === inputs.length;
    const invalid = inputs.filter((input) => input.problems.length > 0);
    if (invalid.length > 0 && !multiStatus) return validation(propertyMessage(invalid.flatMap((input) => input.problems)));

    const results = inputs
      .filter((input) => input.problems.length === 0)
      .map(({ id, properties, traceId }) => {
        const now = new Date().toISOString();
        const existing = state.records.get(id);
        const contact: HubspotContact = existing
          ? { ...existing, properties: { ...existing.properties, ...properties, email: id }, updatedAt: now }
          : { id: String(nextId++), properties: { ...properties, email: id }, createdAt: now, updatedAt: now };
        state.records.set(id, contact);
        return {
          id: contact.id,
          properties: { ...contact.properties, hs_object_id: contact.id, createdate: contact.createdAt, lastmodifieddate: contact.updatedAt },
          createdAt: contact.createdAt,
          updatedAt: contact.updatedAt,
          archived: false,
          new: existing === undefined,
          ...(traceId ? { objectWriteTraceId: traceId } : {}),
        };
      });
    const completed = { status: "COMPLETE", results: results.reverse(), startedAt, completedAt: new Date().toISOString() };
    if (invalid.length === 0) return jsonResponse(completed, 200);
    const errors = invalid.map((input) => ({
      status: "error",
      category: "VALIDATION_ERROR",
      message: propertyMessage(input.problems),
      context: { objectWriteTraceId: [input.traceId] },
    }));
    return jsonResponse({ ...completed, numErrors: errors.length, errors }, 207);
  });

  // "Retrieve a contact" by record id, or by email with `idProperty=email`:
  // `GET /crm/v3/objects/contacts/{contactId}?properties=a,b` → 200 `{ id, properties,
  // createdAt, updatedAt, archived }`, a requested property the contact lacks is null;
  // without `properties` the defaults (firstname, lastname, email, createdate,
  // lastmodifieddate, hs_object_id). "Archive a contact":
  // `DELETE /crm/v3/objects/contacts/{contactId}` → 204, and it is no longer found.
  // An id the portal does not have: 404 OBJECT_NOT_FOUND.
  // https://developers.hubspot.com/docs/api/crm/contacts (Retrieve, Delete)
  app.get("/crm/v3/objects/contacts/:contactId", (c) => {
    const contact = findContact(state.records, c.req.param("contactId"), c.req.query("idProperty"));
    if (!contact) return jsonResponse(errorBody(404), 404);
    const wanted = c.req.query("properties")?.split(",").filter(Boolean) ?? DEFAULT_READ_PROPERTIES;
    const all: Record<string, string> = { ...contact.properties, hs_object_id: contact.id, createdate: contact.createdAt, lastmodifieddate: contact.updatedAt };
    const properties = Object.fromEntries([...new Set([...wanted, "createdate", "lastmodifieddate", "hs_object_id"])].map((name) => [name, all[name] ?? null]));
    return jsonResponse({ id: contact.id, properties, createdAt: contact.createdAt, updatedAt: contact.updatedAt, archived: false }, 200);
  });

  app.delete("/crm/v3/objects/contacts/:contactId", (c) => {
    const contact = findContact(state.records, c.req.param("contactId"), undefined);
    if (!contact) return jsonResponse(errorBody(404), 404);
    state.records.delete(contact.properties.email ?? "");
    return new Response(null, { status: 204 });
  });

  app.post("/crm/v3/objects/companies/search", async (c) => {
    const body = await readJson(c);
    if (body === undefined) return validation("Invalid input JSON on line 1, column 1: the request body is not JSON");
    const parsed = searchSchema.safeParse(body);
    if (!parsed.success) return validation(`Invalid input JSON: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
    const search = parsed.data;
    const filterCount = search.filterGroups.reduce((n, group) => n + group.filters.length, 0);
    if (filterCount > 18) return validation(`Too many filters: ${filterCount} (limit 18)`);
    for (const filter of search.filterGroups.flatMap((group) => group.filters)) {
      const problem = checkFilter(filter);
      if (problem) return validation(problem);
    }
    const matched = [...companies.values()]
      .filter((company) => !company.archived)
      .filter((company) => search.filterGroups.length === 0 || search.filterGroups.some((group) => group.filters.every((f) => matches(company, f))));
    const sort = search.sorts?.[0];
    const sortBy =
      typeof sort === "string" ? { propertyName: sort, direction: "ASCENDING" } : (sort ?? { propertyName: "hs_object_id", direction: "ASCENDING" });
    matched.sort((a, b) => compare(a.properties[sortBy.propertyName], b.properties[sortBy.propertyName]) * (sortBy.direction === "DESCENDING" ? -1 : 1));
    const start = Number(search.after ?? 0) || 0;
    const page = matched.slice(start, start + search.limit);
    const wanted = search.properties ?? DEFAULT_COMPANY_PROPERTIES;
    const results = page.map((company) => ({
      id: company.id,
      properties: Object.fromEntries(
        [...new Set([...wanted, "createdate", "hs_lastmodifieddate", "hs_object_id"])].map((name) => [
          name,
          name === "hs_lastmodifieddate" ? company.updatedAt : (company.properties[name] ?? null),
        ]),
      ),
      createdAt: company.createdAt,
      updatedAt: company.updatedAt,
      archived: false,
    }));
    const next = start + page.length;
    return jsonResponse(
      { total: matched.length, results, ...(next < matched.length ? { paging: { next: { after: String(next), link: `?after=${next}` } } } : {}) },
      200,
    );
  });

  app.all("*", () => jsonResponse({ status: "error", message: "Resource not found", correlationId: uuid(), category: "OBJECT_NOT_FOUND" }, 404));
  return { app, state, options };
}

/** The properties "Retrieve a contact" returns when none are asked for. */
const DEFAULT_READ_PROPERTIES = ["firstname", "lastname", "email"];

/** A contact by record id, or by email when `idProperty` is `email` (the only unique property here). */
function findContact(contacts: Map<string, HubspotContact>, id: string, idProperty: string | undefined): HubspotContact | undefined {
  if (idProperty === "email") return contacts.get(id.toLowerCase());
  if (idProperty !== undefined && idProperty !== "hs_object_id") return undefined;
  return [...contacts.values()].find((contact) => contact.id === id);
}

interface PropertyProblem {
  isValid: false;
  message: string;
  error: string;
  name: string;
  localizedErrorMessage: string;
}

function problem(name: string, error: string, message: string): PropertyProblem {
  return { isValid: false, message, error, name, localizedErrorMessage: message };
}

function checkProperty(name: string, value: string, known: Set<string>, owners: string[] | undefined): PropertyProblem[] {
  if (!known.has(name)) return [problem(name, "PROPERTY_DOESNT_EXIST", `Property "${name}" does not exist`)];
  // The error name is the one HubSpot's community threads report for an owner the
  // portal does not have; the message wording is not documented (docs/connectors.md).
  if (name === "hubspot_owner_id" && value !== "" && (owners ? !owners.includes(value) : !/^\d+$/.test(value))) {
    return [problem(name, "INVALID_OWNER_ID", `${value} is not a valid owner id`)];
  }
  const options = name === "lifecyclestage" ? LIFECYCLE_STAGES : name === "hs_lead_status" ? LEAD_STATUSES : undefined;
  if (options && !options.includes(value)) return [problem(name, "INVALID_OPTION", `${value} was not one of the allowed options`)];
  if (name === "email" && !EMAIL_PATTERN.test(value)) return [problem(name, "INVALID_EMAIL", `Email address ${value} is invalid`)];
  return [];
}

/** What HubSpot refuses about one filter: a value the operator needs and was not given. */
function checkFilter(filter: SearchFilter): string | undefined {
  const needsValue = !["HAS_PROPERTY", "NOT_HAS_PROPERTY", "IN", "NOT_IN", "BETWEEN"].includes(filter.operator);
  if (needsValue && filter.value === undefined)
    return `There was a problem with the request: filter on ${filter.propertyName} with operator ${filter.operator} needs a value`;
  if ((filter.operator === "IN" || filter.operator === "NOT_IN") && !filter.values?.length) return `Operator ${filter.operator} needs values`;
  if (filter.operator === "BETWEEN" && (filter.value === undefined || filter.highValue === undefined)) return "Operator BETWEEN needs value and highValue";
  return undefined;
}

function matches(company: HubspotCompany, filter: SearchFilter): boolean {
  const actual = company.properties[filter.propertyName];
  const same = (a: string | undefined, b: string | undefined) => a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
  switch (filter.operator) {
    case "EQ":
      return same(actual, filter.value);
    case "NEQ":
      return !same(actual, filter.value);
    case "IN":
      return (filter.values ?? []).some((v) => same(actual, v));
    case "NOT_IN":
      return !(filter.values ?? []).some((v) => same(actual, v));
    case "HAS_PROPERTY":
      return actual !== undefined && actual !== "";
    case "NOT_HAS_PROPERTY":
      return actual === undefined || actual === "";
    case "CONTAINS_TOKEN":
      return containsToken(actual, filter.value);
    case "NOT_CONTAINS_TOKEN":
      return !containsToken(actual, filter.value);
    case "LT":
      return compare(actual, filter.value) < 0 && actual !== undefined;
    case "LTE":
      return compare(actual, filter.value) <= 0 && actual !== undefined;
    case "GT":
      return compare(actual, filter.value) > 0 && actual !== undefined;
    case "GTE":
      return compare(actual, filter.value) >= 0 && actual !== undefined;
    case "BETWEEN":
      return actual !== undefined && compare(actual, filter.value) >= 0 && compare(actual, filter.highValue) <= 0;
  }
}

/** A simplified token match: `*` is a wildcard, so the rest must appear in the value. */
function containsToken(actual: string | undefined, token: string | undefined): boolean {
  return actual !== undefined && token !== undefined && actual.toLowerCase().includes(token.replace(/\*/g, "").toLowerCase());
}

/** Numbers as numbers, else strings; a missing value sorts last. */
function compare(a: string | undefined, b: string | undefined): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? 1 : -1;
  const x = Number(a);
  const y = Number(b);
  if (a !== "" && b !== "" && !Number.isNaN(x) && !Number.isNaN(y)) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}

function propertyMessage(problems: PropertyProblem[]): string {
  return `Property values were not valid: ${JSON.stringify(problems)}`;
}

function rateLimitBody(policyName: "TEN_SECONDLY_ROLLING" | "DAILY"): Record<string, unknown> {
  return {
    status: "error",
    message: `You have reached your ${policyName.toLowerCase()} limit.`,
    errorType: "RATE_LIMIT",
    correlationId: uuid(),
    policyName,
    requestId: uuid(),
  };
}

function validation(message: string): Response {
  return jsonResponse({ status: "error", message, correlationId: uuid(), category: "VALIDATION_ERROR" }, 400);
}

function errorBody(status: number): Record<string, unknown> {
  const correlationId = uuid();
  if (status === 401) return { status: "error", message: AUTH_MESSAGE, correlationId, category: "INVALID_AUTHENTICATION" };
  if (status === 429) return rateLimitBody("TEN_SECONDLY_ROLLING");
  const category = status === 400 ? "VALIDATION_ERROR" : status === 403 ? "MISSING_SCOPES" : status === 404 ? "OBJECT_NOT_FOUND" : "INTERNAL_ERROR";
  return { status: "error", message: `HubSpot fake answered ${status}`, correlationId, category };
}
