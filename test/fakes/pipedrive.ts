import type { Context } from "hono";
import { z } from "zod";
import { createFakeApp, createState, EMAIL_PATTERN, isRecord, jsonResponse, readJson, uuid } from "./common";

/**
 * Contract fake of the Pipedrive calls the connector makes, with the API token in
 * `x-api-token` (or the `api_token` query parameter), per developers.pipedrive.com
 * (Persons v2, Leads v1) and pipedrive.readme.io (authentication, status codes):
 * - `GET /api/v2/persons/search` (term, fields, exact_match: not case sensitive)
 * - `POST /api/v2/persons`, `PATCH /api/v2/persons/{id}`: v2 validates strictly, so an
 *   unknown key, a non-integer `owner_id` or a malformed email is a 400
 * - `GET /api/v1/leads` (person_id, archived_status), `POST /api/v1/leads` (title and
 *   person_id or organization_id; JSON content type required, as the Leads API says)
 * - 401 `{ success: false, error: "unauthorized access", errorCode: 401, error_info }`
 * Like the real API, persons are not unique by email: POSTing the same email twice
 * makes two persons. The connector's search is what turns this into an upsert.
 *
 * Rate limits (https://pipedrive.readme.io/docs/core-api-concepts-rate-limiting), when
 * `plan` is set: a rolling 2-second window per token sized by plan (Essential/Lite 20,
 * Advanced/Growth 40, Professional 80, Power/Premium 100, Enterprise/Ultimate 120
 * requests), and the Search API's own 10 requests per 2 s on every plan. Every API
 * answer carries `x-ratelimit-limit`, `x-ratelimit-remaining` and `x-ratelimit-reset`
 * (seconds until the window frees up); over the limit the answer is 429 `{ success:
 * false, error, errorCode: 429 }` with `Retry-After`, and the token is held for a
 * penalty of 10 s, as Pipedrive's staff describe it
 * (https://devcommunity.pipedrive.com/t/rate-limiting-issues/7462: "in case the rate
 * limit is reached, the x-ratelimit-reset header is set to 10"). A search counts
 * against both windows. `dailyBudget` is the token-based plans' daily budget (same page:
 * 30,000 tokens × plan multiplier × seats, reset at midnight UTC), each request costing
 * tokens by kind: a search 40, a list 20, a single read 2, a write 10 (the page's cost
 * examples); spent, the answer is 429 with `x-daily-requests-left: 0`.
 * Without `plan` nothing is limited (throughput runs such as the e2e suite).
 *
 * Search lag (`searchLagMs`): Pipedrive's search is served from a search index, not
 * the primary store, so a person created a moment ago may not be found yet; the fake
 * finds a person only `searchLagMs` after it was created. (Observed, not documented:
 * see docs/connectors.md.)
 */
export const pipedrivePlans = {
  essential: 20,
  lite: 20,
  advanced: 40,
  growth: 40,
  professional: 80,
  power: 100,
  premium: 100,
  enterprise: 120,
  ultimate: 120,
} as const;
const WINDOW_MS = 2000;
const SEARCH_LIMIT = 10;
const PENALTY_MS = 10_000;

export const pipedriveFakeOptionsSchema = z.object({
  apiToken: z.string().default("fake-pipedrive-api-token-0123456789abcdef"),
  /** User ids that may own records; the first one owns what has no owner_id. */
  users: z.array(z.number().int().positive()).default([1, 101, 102]),
  /** Person custom field keys that exist (Pipedrive's are 40-character hashes). */
  customFieldKeys: z.array(z.string()).default([]),
  /** The account's plan: sets the 2-second request window; unset, nothing is rate limited. */
  plan: z.enum(Object.keys(pipedrivePlans) as [keyof typeof pipedrivePlans]).optional(),
  /** API tokens per UTC day (requests cost 2–40 each, see above); unset, no daily budget. */
  dailyBudget: z.number().int().positive().optional(),
  /** How long after its creation a person becomes findable by search. */
  searchLagMs: z.number().int().nonnegative().max(60_000).default(0),
});
export type PipedriveFakeOptions = z.input<typeof pipedriveFakeOptionsSchema>;

export interface PipedriveContactPoint {
  value: string;
  primary: boolean;
  label: string;
}
export interface PipedrivePerson {
  id: number;
  name: string;
  owner_id: number;
  emails: PipedriveContactPoint[];
  phones: PipedriveContactPoint[];
  custom_fields: Record<string, unknown>;
  add_time: string;
  update_time: string;
}
export interface PipedriveLead {
  id: string;
  title: string;
  person_id: number | null;
  organization_id: number | null;
  owner_id: number;
  is_archived: boolean;
  source_name: string;
  add_time: string;
  update_time: string;
}

const PERSON_KEYS = [
  "name",
  "owner_id",
  "org_id",
  "emails",
  "phones",
  "visible_to",
  "label_ids",
  "marketing_status",
  "custom_fields",
  "add_time",
  "update_time",
];
const SEARCH_FIELDS = ["name", "email", "phone", "notes", "custom_fields"];

export function createPipedriveFake(input: PipedriveFakeOptions = {}) {
  const options = pipedriveFakeOptionsSchema.parse(input);
  let nextPersonId = 1;
  let limiter = new RateWindows(options.plan === undefined ? undefined : pipedrivePlans[options.plan], options.dailyBudget);
  const state = createState(
    "pipedrive",
    () => ({ persons: new Map<number, PipedrivePerson>(), leads: new Map<string, PipedriveLead>() }),
    () => {
      nextPersonId = 1;
      limiter = new RateWindows(options.plan === undefined ? undefined : pipedrivePlans[options.plan], options.dailyBudget);
    },
  );
  const app = createFakeApp(state, { error: (status) => ({ body: JSON.stringify(errorBody(status)), contentType: "application/json" }) }, (records) => ({
    persons: [...records.persons.values()],
    leads: [...records.leads.values()],
  }));

  app.use("/api/*", async (c, next) => {
    const token = c.req.header("x-api-token") ?? c.req.query("api_token");
    if (token !== options.apiToken) return jsonResponse(errorBody(401), 401);
    if ((c.req.method === "POST" || c.req.method === "PATCH") && !(c.req.header("content-type") ?? "").startsWith("application/json")) {
      return invalid("Content-Type must be application/json");
    }
    const verdict = limiter.take(Date.now(), c.req.path.endsWith("/search"), tokenCost(c.req.method, c.req.path));
    if (!verdict.ok) return jsonResponse(errorBody(429), 429, verdict.headers);
    await next();
    for (const [name, value] of Object.entries(verdict.headers)) c.res.headers.set(name, value);
  });

  app.get("/api/v2/persons/search", (c) => {
    const term = c.req.query("term") ?? "";
    const exact = c.req.query("exact_match") === "true" || c.req.query("exact_match") === "1";
    const fields = (c.req.query("fields") ?? SEARCH_FIELDS.join(",")).split(",");
    if (fields.some((field) => !SEARCH_FIELDS.includes(field))) return invalid(`fields must be a subset of ${SEARCH_FIELDS.join(", ")}`);
    if (term.length < (exact ? 1 : 2)) return invalid("term must be at least 2 characters (1 with exact_match)");

    const needle = term.toLowerCase();
    const matches = (text: string) => (exact ? text.toLowerCase() === needle : text.toLowerCase().includes(needle));
    const indexedBefore = Date.now() - options.searchLagMs;
    const items = [...state.records.persons.values()]
      .filter((person) => Date.parse(person.add_time) <= indexedBefore)
      .filter(
        (person) =>
          (fields.includes("email") && person.emails.some((email) => matches(email.value))) ||
          (fields.includes("name") && matches(person.name)) ||
          (fields.includes("phone") && person.phones.some((phone) => matches(phone.value))),
      )
      .map((person) => ({
        result_score: exact ? 1 : 0.5,
        item: {
          id: person.id,
          type: "person",
          name: person.name,
          phones: person.phones.map((phone) => phone.value),
          emails: person.emails.map((email) => email.value),
          visible_to: 3,
          owner: { id: person.owner_id },
          organization: null,
          custom_fields: [],
          notes: [],
        },
      }));
    return jsonResponse({ success: true, data: { items }, additional_data: { next_cursor: null } }, 200);
  });

  app.post("/api/v2/persons", async (c) => {
    const body = await personBody(c, options, true);
    if (body instanceof Response) return body;
    const now = new Date().toISOString();
    const person: PipedrivePerson = {
      id: nextPersonId++,
      name: body.name ?? "",
      owner_id: body.owner_id ?? options.users[0] ?? 1,
      emails: body.emails ?? [],
      phones: body.phones ?? [],
      custom_fields: body.custom_fields ?? {},
      add_time: now,
      update_time: now,
    };
    state.records.persons.set(person.id, person);
    return jsonResponse({ success: true, data: person }, 200);
  });

  app.patch("/api/v2/persons/:id", async (c) => {
    const person = state.records.persons.get(Number(c.req.param("id")));
    if (!person) return jsonResponse({ success: false, error: "Person not found", code: "ERR_NOT_FOUND" }, 404);
    const body = await personBody(c, options, false);
    if (body instanceof Response) return body;
    Object.assign(person, {
      ...(body.name === undefined ? {} : { name: body.name }),
      ...(body.owner_id === undefined ? {} : { owner_id: body.owner_id }),
      ...(body.emails === undefined ? {} : { emails: body.emails }),
      ...(body.phones === undefined ? {} : { phones: body.phones }),
      custom_fields: { ...person.custom_fields, ...body.custom_fields },
      update_time: new Date().toISOString(),
    });
    return jsonResponse({ success: true, data: person }, 200);
  });

  // "Get details of a person" and "Delete a person" (v2): 200 `{ success, data }`,
  // the delete answering `data: { id }`; an unknown id is 404. A deleted person is no
  // longer returned (Pipedrive keeps it marked deleted for 30 days, then removes it:
  // https://developers.pipedrive.com/changelog/post/permanent-deletion-logic-for-6-core-entities).
  // https://developers.pipedrive.com/docs/api/v1/Persons#getPerson (v2 tab), #deletePerson
  app.get("/api/v2/persons/:id", (c) => {
    const person = state.records.persons.get(Number(c.req.param("id")));
    if (!person) return jsonResponse({ success: false, error: "Person not found", code: "ERR_NOT_FOUND" }, 404);
    return jsonResponse({ success: true, data: person }, 200);
  });

  app.delete("/api/v2/persons/:id", (c) => {
    const id = Number(c.req.param("id"));
    if (!state.records.persons.delete(id)) return jsonResponse({ success: false, error: "Person not found", code: "ERR_NOT_FOUND" }, 404);
    return jsonResponse({ success: true, data: { id } }, 200);
  });

  // "Get one lead" and "Delete a lead" (v1): 200 `{ success, data }`, the delete
  // answering `data: { id }`; an unknown id is 404.
  // https://developers.pipedrive.com/docs/api/v1/Leads#getLead, #deleteLead
  app.get("/api/v1/leads/:id", (c) => {
    const lead = state.records.leads.get(c.req.param("id"));
    if (!lead) return jsonResponse(errorBody(404), 404);
    return jsonResponse({ success: true, data: lead }, 200);
  });

  app.delete("/api/v1/leads/:id", (c) => {
    const id = c.req.param("id");
    if (!state.records.leads.delete(id)) return jsonResponse(errorBody(404), 404);
    return jsonResponse({ success: true, data: { id } }, 200);
  });

  app.get("/api/v1/leads", (c) => {
    const personId = c.req.query("person_id");
    const archived = c.req.query("archived_status") ?? "all";
    const limit = Number(c.req.query("limit") ?? 100);
    const start = Number(c.req.query("start") ?? 0);
    const all = [...state.records.leads.values()].filter(
      (lead) => (personId === undefined || lead.person_id === Number(personId)) && (archived === "all" || (archived === "archived") === lead.is_archived),
    );
    const page = all.slice(start, start + limit);
    return jsonResponse(
      { success: true, data: page, additional_data: { pagination: { start, limit, more_items_in_collection: start + limit < all.length } } },
      200,
    );
  });

  app.post("/api/v1/leads", async (c) => {
    const body = await readJson(c);
    if (!isRecord(body)) return invalid("Request body must be a JSON object", "v1");
    if (typeof body.title !== "string" || body.title.trim() === "") return invalid("title is a required field", "v1");
    const personId = body.person_id;
    const organizationId = body.organization_id;
    if (personId === undefined && organizationId === undefined) return invalid("A lead must be linked to a person or an organization", "v1");
    if (personId !== undefined && !(typeof personId === "number" && state.records.persons.has(personId))) {
      return invalid("person_id does not refer to an existing person", "v1");
    }
    const ownerId = body.owner_id ?? options.users[0] ?? 1;
    if (!(typeof ownerId === "number" && options.users.includes(ownerId))) return invalid("owner_id must be the id of an active user", "v1");
    const now = new Date().toISOString();
    const lead: PipedriveLead = {
      id: uuid(),
      title: body.title,
      person_id: typeof personId === "number" ? personId : null,
      organization_id: typeof organizationId === "number" ? organizationId : null,
      owner_id: ownerId,
      is_archived: false,
      source_name: "API",
      add_time: now,
      update_time: now,
    };
    state.records.leads.set(lead.id, lead);
    return jsonResponse({ success: true, data: lead }, 201);
  });

  app.all("*", (c) =>
    jsonResponse(
      { success: false, error: `Unknown method ${c.req.method} ${c.req.path}`, errorCode: 404, error_info: "Please check developers.pipedrive.com" },
      404,
    ),
  );
  return { app, state, options };
}

/**
 * The 2-second windows of one API token (all requests, and searches alone), a penalty
 * after a refusal, and the daily budget. Header values as Pipedrive sends them.
 */
class RateWindows {
  private all: number[] = [];
  private searches: number[] = [];
  private heldUntil = 0;
  private spent = 0;
  private day = "";

  constructor(
    private readonly limit: number | undefined,
    private readonly dailyBudget: number | undefined,
  ) {}

  take(now: number, search: boolean, cost: number): { ok: boolean; headers: Record<string, string> } {
    const today = new Date(now).toISOString().slice(0, 10);
    if (today !== this.day) {
      this.day = today;
      this.spent = 0;
    }
    if (this.dailyBudget !== undefined && this.spent + cost > this.dailyBudget) {
      const midnight = Date.parse(`${today}T00:00:00Z`) + 86_400_000;
      return { ok: false, headers: { "x-daily-requests-left": "0", "retry-after": String(Math.ceil((midnight - now) / 1000)) } };
    }
    if (this.limit === undefined) {
      this.spent += cost;
      return { ok: true, headers: this.daily() };
    }
    this.all = this.all.filter((at) => at > now - WINDOW_MS);
    this.searches = this.searches.filter((at) => at > now - WINDOW_MS);
    const window = search ? this.searches : this.all;
    const limit = search ? SEARCH_LIMIT : this.limit;
    const over = now < this.heldUntil || this.all.length >= this.limit || (search && this.searches.length >= SEARCH_LIMIT);
    if (over) {
      this.heldUntil = Math.max(this.heldUntil, now + PENALTY_MS);
      const reset = String(Math.ceil((this.heldUntil - now) / 1000));
      return { ok: false, headers: { "x-ratelimit-limit": String(limit), "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset, "retry-after": reset } };
    }
    this.all.push(now);
    if (search) this.searches.push(now);
    this.spent += cost;
    const oldest = window[0] ?? now;
    return {
      ok: true,
      headers: {
        "x-ratelimit-limit": String(limit),
        "x-ratelimit-remaining": String(limit - window.length),
        "x-ratelimit-reset": String(Math.max(1, Math.ceil((oldest + WINDOW_MS - now) / 1000))),
        ...this.daily(),
      },
    };
  }

  private daily(): Record<string, string> {
    return this.dailyBudget === undefined ? {} : { "x-daily-requests-left": String(this.dailyBudget - this.spent) };
  }
}

/** A request's cost in API tokens against the daily budget. */
function tokenCost(method: string, path: string): number {
  if (path.endsWith("/search")) return 40;
  if (method !== "GET") return 10;
  return /\/(persons|leads)\/[^/]+$/.test(path) ? 2 : 20;
}

interface PersonBody {
  name?: string;
  owner_id?: number;
  emails?: PipedriveContactPoint[];
  phones?: PipedriveContactPoint[];
  custom_fields?: Record<string, unknown>;
}

/** Validates a v2 person body the way v2's stricter input validation does. */
async function personBody(c: Context, options: z.infer<typeof pipedriveFakeOptionsSchema>, creating: boolean): Promise<PersonBody | Response> {
  const body = await readJson(c);
  if (!isRecord(body)) return invalid("Request body must be a JSON object");
  const unknown = Object.keys(body).filter((key) => !PERSON_KEYS.includes(key));
  if (unknown.length > 0) return invalid(`Unknown field(s): ${unknown.join(", ")}`);
  const out: PersonBody = {};
  if (body.name !== undefined || creating) {
    if (typeof body.name !== "string" || body.name.trim() === "") return invalid("name must be a non-empty string");
    out.name = body.name;
  }
  if (body.owner_id !== undefined) {
    if (typeof body.owner_id !== "number" || !Number.isInteger(body.owner_id)) return invalid("owner_id must be an integer");
    if (!options.users.includes(body.owner_id)) return invalid(`owner_id ${body.owner_id} is not an active user`);
    out.owner_id = body.owner_id;
  }
  for (const key of ["emails", "phones"] as const) {
    const list = body[key];
    if (list === undefined) continue;
    const points = parseContactPoints(list, key === "emails");
    if (typeof points === "string") return invalid(`${key}: ${points}`);
    out[key] = points;
  }
  if (body.custom_fields !== undefined) {
    if (!isRecord(body.custom_fields)) return invalid("custom_fields must be an object");
    const bad = Object.keys(body.custom_fields).filter((key) => !options.customFieldKeys.includes(key) && !/^[0-9a-f]{40}$/.test(key));
    if (bad.length > 0) return invalid(`custom_fields: unknown field key(s) ${bad.join(", ")}`);
    out.custom_fields = body.custom_fields;
  }
  return out;
}

function parseContactPoints(list: unknown, emails: boolean): PipedriveContactPoint[] | string {
  if (!Array.isArray(list)) return "must be an array";
  const out: PipedriveContactPoint[] = [];
  for (const item of list) {
    if (!isRecord(item) || typeof item.value !== "string") return "each item needs a string value";
    if (emails && !EMAIL_PATTERN.test(item.value)) return `${item.value} is not a valid email`;
    if (item.primary !== undefined && typeof item.primary !== "boolean") return "primary must be a boolean";
    if (item.label !== undefined && typeof item.label !== "string") return "label must be a string";
    out.push({ value: item.value, primary: item.primary ?? false, label: item.label ?? "work" });
  }
  return out;
}

function invalid(message: string, version: "v1" | "v2" = "v2"): Response {
  const body =
    version === "v2"
      ? { success: false, error: message, code: "ERR_SCHEMA_VALIDATION_FAILED", error_info: "Please check developers.pipedrive.com" }
      : { success: false, error: message, error_info: "Please check developers.pipedrive.com", data: null, additional_data: null };
  return jsonResponse(body, 400);
}

function errorBody(status: number): Record<string, unknown> {
  const messages: Record<number, string> = {
    401: "unauthorized access",
    403: "You do not have permission to access this resource",
    404: "Not found",
    429: "Rate limit exceeded",
  };
  return { success: false, error: messages[status] ?? "Internal server error", errorCode: status, error_info: "Please check developers.pipedrive.com" };
}
