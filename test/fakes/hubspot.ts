import { z } from "zod";
import { EMAIL_PATTERN, createFakeApp, createState, isRecord, jsonResponse, readJson, uuid } from "./common";

/**
 * Contract fake of HubSpot's CRM contacts batch upsert
 * (`POST /crm/v3/objects/contacts/batch/upsert`, Bearer private-app token), as
 * documented at developers.hubspot.com/docs/api-reference/…/batch/upsert-contacts
 * and …/docs/api/error-handling:
 * - 401 `{ status, message, correlationId, category: "INVALID_AUTHENTICATION" }`
 * - 400 `category: "VALIDATION_ERROR"` for a bad body, more than 100 inputs, two
 *   inputs with the same id, an unknown property (PROPERTY_DOESNT_EXIST), an invalid
 *   option (hubspot_owner_id, lifecyclestage) or email; the whole batch is rejected
 * - 429 `{ status, message, errorType: "RATE_LIMIT", policyName: "TEN_SECONDLY_ROLLING" }`
 *   with Retry-After when `rateLimit` is set (HubSpot's burst limit is per 10 s)
 * - 200 `{ status: "COMPLETE", results, startedAt, completedAt }`; results come back
 *   in reverse input order, because HubSpot does not promise any order
 * Contacts are keyed by lower-cased email: the same email updates the same record.
 */
export const hubspotFakeOptionsSchema = z.object({
  token: z.string().default("pat-na1-fake-hubspot-token"),
  rateLimit: z.object({ requests: z.number().int().positive(), perMs: z.number().int().positive() }).optional(),
  /** Valid `hubspot_owner_id` values; unset accepts any numeric id. */
  owners: z.array(z.string()).optional(),
  /** Custom contact properties that exist in this portal. */
  extraProperties: z.array(z.string()).default([]),
});
export type HubspotFakeOptions = z.input<typeof hubspotFakeOptionsSchema>;

export interface HubspotContact {
  id: string;
  properties: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

const DEFAULT_PROPERTIES = [
  "email", "firstname", "lastname", "company", "phone", "mobilephone", "website", "country", "state",
  "city", "zip", "address", "industry", "jobtitle", "numemployees", "annualrevenue", "lifecyclestage",
  "hs_lead_status", "hubspot_owner_id", "message",
];
const LIFECYCLE_STAGES = [
  "subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer", "evangelist", "other",
];
const AUTH_MESSAGE =
  "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview";

export function createHubspotFake(input: HubspotFakeOptions = {}) {
  const options = hubspotFakeOptionsSchema.parse(input);
  const known = new Set([...DEFAULT_PROPERTIES, ...options.extraProperties]);
  let window: number[] = [];
  let nextId = 1001;
  const state = createState("hubspot", () => new Map<string, HubspotContact>(), () => {
    window = [];
    nextId = 1001;
  });

  const app = createFakeApp(state, { error: (status) => ({ body: JSON.stringify(errorBody(status)), contentType: "application/json;charset=utf-8" }) }, (records) => [...records.values()]);

  app.use("/crm/*", async (c, next) => {
    if (c.req.header("authorization") !== `Bearer ${options.token}`) return jsonResponse(errorBody(401), 401);
    const limit = options.rateLimit;
    if (!limit) return next();
    const now = Date.now();
    window = window.filter((at) => at > now - limit.perMs);
    const headers = {
      "x-hubspot-ratelimit-interval-milliseconds": String(limit.perMs),
      "x-hubspot-ratelimit-max": String(limit.requests),
    };
    if (window.length >= limit.requests) {
      const oldest = window[0] ?? now;
      const retryAfter = Math.max(1, Math.ceil((oldest + limit.perMs - now) / 1000));
      return jsonResponse(errorBody(429), 429, { ...headers, "x-hubspot-ratelimit-remaining": "0", "retry-after": String(retryAfter) });
    }
    window.push(now);
    await next();
    for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
    c.res.headers.set("x-hubspot-ratelimit-remaining", String(limit.requests - window.length));
  });

  app.post("/crm/v3/objects/contacts/batch/upsert", async (c) => {
    const startedAt = new Date().toISOString();
    const body = await readJson(c);
    if (body === undefined) return validation("Invalid input JSON: the request body is not JSON");
    if (!isRecord(body) || !Array.isArray(body.inputs)) return validation("Invalid input JSON: `inputs` must be an array");
    if (body.inputs.length > 100) return validation(`Batch input too large: ${body.inputs.length} inputs (limit 100)`);

    const inputs: { id: string; properties: Record<string, string> }[] = [];
    const problems: PropertyProblem[] = [];
    for (const raw of body.inputs) {
      if (!isRecord(raw) || typeof raw.id !== "string" || raw.id === "") return validation("Each input needs a string `id`");
      if (raw.idProperty !== "email") return validation(`Unable to perform update/upsert by non-unique property ${String(raw.idProperty)}`);
      if (!isRecord(raw.properties)) return validation("Each input needs a `properties` object");
      const properties: Record<string, string> = {};
      for (const [name, value] of Object.entries(raw.properties)) {
        if (typeof value !== "string") return validation(`Property "${name}" must be a string`);
        properties[name] = value;
        problems.push(...checkProperty(name, value, known, options.owners));
      }
      if (!EMAIL_PATTERN.test(raw.id)) problems.push(problem("email", "INVALID_EMAIL", `Email address ${raw.id} is invalid`));
      inputs.push({ id: raw.id.toLowerCase(), properties });
    }
    const seen = new Set<string>();
    const duplicates = inputs.filter(({ id }) => (seen.has(id) ? true : (seen.add(id), false))).map(({ id }) => id);
    if (duplicates.length > 0) return validation(`Duplicate IDs found in batch input: [${duplicates.join(", ")}]`);
    if (problems.length > 0) return validation(`Property values were not valid: ${JSON.stringify(problems)}`);

    const results = inputs.map(({ id, properties }) => {
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
      };
    });
    return jsonResponse({ status: "COMPLETE", results: results.reverse(), startedAt, completedAt: new Date().toISOString() }, 200);
  });

  app.all("*", () => jsonResponse({ status: "error", message: "Resource not found", correlationId: uuid(), category: "OBJECT_NOT_FOUND" }, 404));
  return { app, state, options };
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
  if (name === "hubspot_owner_id" && value !== "" && (owners ? !owners.includes(value) : !/^\d+$/.test(value))) {
    return [problem(name, "INVALID_OPTION", `${value} was not one of the allowed options`)];
  }
  if (name === "lifecyclestage" && !LIFECYCLE_STAGES.includes(value)) {
    return [problem(name, "INVALID_OPTION", `${value} was not one of the allowed options`)];
  }
  if (name === "email" && !EMAIL_PATTERN.test(value)) return [problem(name, "INVALID_EMAIL", `Email address ${value} is invalid`)];
  return [];
}

function validation(message: string): Response {
  return jsonResponse({ status: "error", message, correlationId: uuid(), category: "VALIDATION_ERROR" }, 400);
}

function errorBody(status: number): Record<string, unknown> {
  const correlationId = uuid();
  if (status === 401) return { status: "error", message: AUTH_MESSAGE, correlationId, category: "INVALID_AUTHENTICATION" };
  if (status === 429) {
    return {
      status: "error",
      message: "You have reached your ten_secondly_rolling limit.",
      errorType: "RATE_LIMIT",
      correlationId,
      policyName: "TEN_SECONDLY_ROLLING",
      requestId: uuid(),
    };
  }
  const category = status === 400 ? "VALIDATION_ERROR" : status === 403 ? "MISSING_SCOPES" : status === 404 ? "OBJECT_NOT_FOUND" : "INTERNAL_ERROR";
  return { status: "error", message: `HubSpot fake answered ${status}`, correlationId, category };
}
