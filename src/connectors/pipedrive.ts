import { z } from "zod";
import { outboundUrl, rateSchema } from "../lib/config-fields";
import { type ConnectorOptions, defineConnector, destinationCommon, eachDelivery } from "./connector";
import { classify, excerpt, type HttpRequest, type HttpResult, malformedResponse, parseJson, permanentFailure, sendHttp } from "./http";
import type { DeliveryOutcome, LeadDelivery } from "./types";

export const pipedriveDestinationSchema = z.object({
  ...destinationCommon,
  type: z.literal("pipedrive"),
  /** API token (x-api-token header). Write-only. */
  apiToken: z.string().min(1),
  baseUrl: outboundUrl().default("https://api.pipedrive.com"),
  /**
   * Searches per second, apart from `rate` (calls). Pipedrive allows 10 per 2 s on
   * every plan; the default (src/delivery/call-costs.ts) stays under it. Raise it only
   * for a server that is not Pipedrive's (a local fake).
   */
  searchRate: rateSchema.optional(),
});
export type PipedriveDestination = z.infer<typeof pipedriveDestinationSchema>;

export const pipedriveConnector = defineConnector({
  schema: pipedriveDestinationSchema,
  secrets: ["apiToken"],
  // Calls, not deliveries (a delivery is 3–4 calls, src/delivery/call-costs.ts):
  // burst + 2 s × rate = 18 stays under the smallest plan's 20 requests per 2 s per
  // token (Essential/Lite), with room for the account's other integrations; that is
  // about 1.3 new leads per second. Larger plans can raise `rate`.
  defaultRate: { perSecond: 5, burst: 8 },
  deliveriesPerCall: 1,
  actions: ["upsert"],
  crm: true,
  label: "Pipedrive",
  target: (destination) => destination.baseUrl,
  deliver: eachDelivery(upsertLead),
  errorCode: pipedriveErrorCode,
});

/**
 * Puts a lead into Pipedrive as a person (found by email, else created) and, when
 * that person has no open lead yet, a lead in the Leads Inbox.
 *
 * API, with the token in the `x-api-token` header (the `api_token` query parameter
 * also works, but would put the token into URLs and logs):
 * - `GET /api/v2/persons/search?term=<email>&fields=email&exact_match=true`
 *   → `data.items[].item.id` (exact match is not case sensitive)
 * - `PATCH /api/v2/persons/{id}` or `POST /api/v2/persons` with `name`,
 *   `emails: [{ value, primary, label }]`, `phones`, `owner_id` (a number), `custom_fields`
 * - `GET /api/v1/leads?person_id=<id>&archived_status=not_archived&limit=1`
 * - `POST /api/v1/leads` with `title`, `person_id`, `owner_id` (a lead needs a person
 *   or an organization; leads have no v2 endpoints)
 * The v1 person endpoints (`/v1/persons/search`, `POST /v1/persons`, `PUT
 * /v1/persons/{id}`) are deprecated since 2026-01-01 and out of support since
 * 2026-08-01, hence v2 for persons.
 * https://pipedrive.readme.io/docs/core-api-concepts-authentication
 * https://developers.pipedrive.com/docs/api/v1/Leads#addLead
 * https://developers.pipedrive.com/changelog/post/deprecation-of-selected-api-v1-endpoints
 *
 * Rules:
 * - A person the record map knows (`delivery.records.person`, learned by an earlier
 *   delivery of the same lead) is updated by id: no search. Pipedrive's search index
 *   lags behind writes, so a search shortly after a create misses the new person.
 * - Otherwise Pipedrive does not keep emails unique, so the search is what makes this
 *   an upsert; an update never rewrites the person's emails or phones (v2 replaces the
 *   whole list), only `name` (when the lead has one), `owner_id` and `custom_fields`.
 * - The outcome names the person and the open lead for the record map.
 * - A lead is created when the person has no open (not archived) lead. That covers
 *   new persons, and a retry after a failed lead call converges instead of losing the
 *   lead or creating a second one.
 * - Route properties go to the person's `custom_fields` (keys are Pipedrive's field keys).
 * - `ownerId` must be a Pipedrive user id (a positive integer), else permanent failure.
 * - A 429 waits for the later of `Retry-After` and `x-ratelimit-reset` (Pipedrive holds
 *   a token for a penalty after a refusal); with the daily budget spent
 *   (`x-daily-requests-left: 0`) it waits until midnight UTC, when the budget resets.
 *   The outcome's `holdSeconds` asks the consumer to hold every delivery to the
 *   destination as long, and so does an answer with `x-ratelimit-remaining: 0` (until
 *   `x-ratelimit-reset`), so the next call is not refused and penalized.
 *   https://pipedrive.readme.io/docs/core-api-concepts-rate-limiting
 */
export async function upsertLead(destination: PipedriveDestination, delivery: LeadDelivery, options: ConnectorOptions): Promise<DeliveryOutcome> {
  const email = delivery.lead.email?.trim().toLowerCase();
  if (!email) return permanentFailure("lead has no email: Pipedrive persons are matched by email");
  const ownerId = delivery.ownerId === undefined ? undefined : Number(delivery.ownerId);
  if (ownerId !== undefined && !(Number.isSafeInteger(ownerId) && ownerId > 0)) {
    return permanentFailure("owner id is not a Pipedrive user id (a positive integer)");
  }

  const client = new PipedriveClient(destination, options);
  const name = displayName(delivery);
  const customFields = Object.keys(delivery.properties).length > 0 ? { custom_fields: delivery.properties } : {};
  const owner = ownerId === undefined ? {} : { owner_id: ownerId };
  const update = { ...(name ? { name } : {}), ...owner, ...customFields };

  // The record map knows the person: update it by id. Gone (deleted or merged in
  // Pipedrive: 404), it is looked up by email like a person never seen.
  const knownId = recordId(delivery.records?.[PERSON]);
  let person = knownId === undefined ? undefined : await client.call("PATCH", `/api/v2/persons/${knownId}`, update);
  let how = "updated by id";
  if (person && !person.ok && person.outcome.status !== 404) return person.outcome;
  if (!person?.ok) {
    const search = await client.call("GET", `/api/v2/persons/search?${new URLSearchParams({ term: email, fields: "email", exact_match: "true" })}`);
    if (!search.ok) return search.outcome;
    const found = searchSchema.safeParse(search.json);
    if (!found.success) return client.malformed(search.result, "not a person search response");
    const existingId = found.data.data.items[0]?.item.id;
    how = existingId === undefined ? "created" : "updated";
    person =
      existingId === undefined
        ? await client.call("POST", "/api/v2/persons", {
            name: name ?? email,
            emails: [{ value: email, primary: true, label: "work" }],
            ...(delivery.lead.phone ? { phones: [{ value: delivery.lead.phone, primary: true, label: "work" }] } : {}),
            ...owner,
            ...customFields,
          })
        : await client.call("PATCH", `/api/v2/persons/${existingId}`, update);
  }
  if (!person.ok) return person.outcome;
  const personId = personSchema.safeParse(person.json).data?.data.id;
  if (personId === undefined) return client.malformed(person.result, "not a person response");

  const leads = await client.call("GET", `/api/v1/leads?${new URLSearchParams({ person_id: String(personId), archived_status: "not_archived", limit: "1" })}`);
  if (!leads.ok) return leads.outcome;
  const open = leadsSchema.safeParse(leads.json);
  if (!open.success) return client.malformed(leads.result, "not a leads list response");

  let status = leads.result.status;
  let leadId = open.data.data?.[0]?.id;
  if (leadId === undefined) {
    const created = await client.call("POST", "/api/v1/leads", { title: leadTitle(delivery, email), person_id: personId, ...owner });
    if (!created.ok) return created.outcome;
    const lead = leadSchema.safeParse(created.json);
    if (!lead.success) return client.malformed(created.result, "not a lead response");
    status = created.result.status;
    leadId = lead.data.data.id;
  }
  return {
    ok: true,
    status,
    externalId: String(personId),
    records: { [PERSON]: String(personId), [LEAD]: leadId },
    excerpt: excerpt(`person ${how}: ${person.result.text}`),
    latencyMs: client.latencyMs,
    ...client.hold(),
  };
}

/** Record kinds in the record map (src/db/crm-records.ts). */
export const PERSON = "person";
export const LEAD = "lead";

/** A person id from the record map, if it is one (a positive integer). */
function recordId(value: string | undefined): number | undefined {
  const id = Number(value);
  return value !== undefined && Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

function displayName(delivery: LeadDelivery): string | undefined {
  const name = [delivery.lead.firstName, delivery.lead.lastName].filter((part) => part?.trim()).join(" ");
  return name || undefined;
}

function leadTitle(delivery: LeadDelivery, email: string): string {
  return `${delivery.lead.company?.trim() || displayName(delivery) || email} lead`;
}

const searchSchema = z.object({
  success: z.literal(true),
  data: z.object({ items: z.array(z.object({ item: z.object({ id: z.number().int() }) })) }),
});
const personSchema = z.object({ success: z.literal(true), data: z.object({ id: z.number().int() }) });
const leadsSchema = z.object({ success: z.literal(true), data: z.array(z.object({ id: z.string() })).nullable() });
const leadSchema = z.object({ success: z.literal(true), data: z.object({ id: z.string() }) });
const errorSchema = z.object({ code: z.string().optional() });

/**
 * Seconds a 429 asks us to wait: the later of Retry-After and x-ratelimit-reset
 * (seconds until the 2-second window, or the penalty after a refusal, is over), or
 * until the next UTC midnight when the daily budget is spent.
 */
export function rateLimitWait(headers: Headers, outcome: DeliveryOutcome, now: number = Date.now()): number | undefined {
  // x-daily-requests-left is the documented header; token-based accounts are
  // reported (not documented) to send x-daily-ratelimit-token-remaining.
  if (headers.get("x-daily-requests-left") === "0" || headers.get("x-daily-ratelimit-token-remaining") === "0") {
    const midnight = new Date(now).setUTCHours(24, 0, 0, 0);
    return Math.ceil((midnight - now) / 1000);
  }
  const reset = Number(headers.get("x-ratelimit-reset"));
  const fromReset = Number.isFinite(reset) && reset > 0 ? Math.ceil(reset) : undefined;
  const fromRetryAfter = outcome.ok ? undefined : outcome.retryAfterSeconds;
  if (fromReset === undefined) return fromRetryAfter;
  return Math.max(fromReset, fromRetryAfter ?? 0);
}

/**
 * Pipedrive's machine error code from an error body, when it sends one (e.g.
 * `feature_capping_deals_limit`): https://pipedrive.readme.io/docs/core-api-concepts-responses
 */
function pipedriveErrorCode(text: string): string | undefined {
  return errorSchema.safeParse(parseJson(text)).data?.code;
}

type Call = { ok: true; result: Extract<HttpResult, { kind: "response" }>; json: unknown } | { ok: false; outcome: DeliveryOutcome };

/** The calls of one delivery: shared auth, timeout, and the latency they add up to. */
class PipedriveClient {
  latencyMs = 0;
  /** Seconds until the token's window frees up, once an answer said none is left. */
  private spentFor: number | undefined;
  private readonly base: string;

  constructor(
    private readonly destination: PipedriveDestination,
    private readonly options: ConnectorOptions,
  ) {
    this.base = destination.baseUrl.replace(/\/+$/, "");
  }

  async call(method: string, path: string, body?: unknown): Promise<Call> {
    const request: HttpRequest = {
      url: `${this.base}${path}`,
      method,
      headers: { "x-api-token": this.destination.apiToken, accept: "application/json" },
    };
    if (body !== undefined) {
      request.headers["content-type"] = "application/json";
      request.body = JSON.stringify(body);
    }
    const result = await sendHttp(request, {
      timeoutMs: this.options.timeoutMs ?? this.destination.timeoutMs,
      allowHttp: this.options.allowHttp,
    });
    this.latencyMs += result.latencyMs;
    if (result.kind === "response" && result.headers.get("x-ratelimit-remaining") === "0") {
      // The window is spent: the next call, from any delivery, would be refused (and
      // refusals add a penalty), so the destination waits for the reset instead.
      const reset = Math.ceil(Number(result.headers.get("x-ratelimit-reset")));
      if (Number.isFinite(reset) && reset > 0) this.spentFor = Math.max(this.spentFor ?? 0, reset);
    }
    if (result.kind !== "response") return { ok: false, outcome: { ...classify(result), latencyMs: this.latencyMs } };
    if (result.status < 200 || result.status >= 300) {
      // Only the machine code: Pipedrive's `error` text may quote the values sent.
      const outcome = classify(result, pipedriveErrorCode(result.text));
      const retryAfterSeconds = result.status === 429 ? rateLimitWait(result.headers, outcome) : undefined;
      const wait = retryAfterSeconds === undefined ? {} : { retryAfterSeconds, holdSeconds: retryAfterSeconds };
      return { ok: false, outcome: { ...outcome, ...this.hold(), ...wait, latencyMs: this.latencyMs } };
    }
    return { ok: true, result, json: parseJson(result.text) };
  }

  /** `holdSeconds` for the outcome when an answer said the window is spent. */
  hold(): { holdSeconds?: number } {
    return this.spentFor === undefined ? {} : { holdSeconds: this.spentFor };
  }

  malformed(result: Extract<HttpResult, { kind: "response" }>, what: string): DeliveryOutcome {
    return { ...malformedResponse(result, what), latencyMs: this.latencyMs };
  }
}
