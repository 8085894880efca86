import { z } from "zod";
import { defineConnector, destinationCommon, eachDelivery } from "./connector";
import {
  type ConnectorOptions,
  type HttpRequest,
  type HttpResult,
  classify,
  excerpt,
  malformedResponse,
  parseJson,
  permanentFailure,
  sendHttp,
} from "./http";
import type { DeliveryOutcome, LeadDelivery } from "./types";

export const pipedriveDestinationSchema = z.object({
  ...destinationCommon,
  type: z.literal("pipedrive"),
  /** API token (x-api-token header). Write-only. */
  apiToken: z.string().min(1),
  baseUrl: z.url().default("https://api.pipedrive.com"),
});
export type PipedriveDestination = z.infer<typeof pipedriveDestinationSchema>;

export const pipedriveConnector = defineConnector({
  schema: pipedriveDestinationSchema,
  secrets: ["apiToken"],
  // Pipedrive's API-token budget is roughly 80 requests per 2 s on the lower plans.
  defaultRate: { perSecond: 10, burst: 20 },
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
 * - Pipedrive does not keep emails unique, so the search is what makes this an
 *   upsert; an update never rewrites the person's emails or phones (v2 replaces the
 *   whole list), only `name` (when the lead has one), `owner_id` and `custom_fields`.
 * - A lead is created when the person has no open (not archived) lead. That covers
 *   new persons, and a retry after a failed lead call converges instead of losing the
 *   lead or creating a second one.
 * - Route properties go to the person's `custom_fields` (keys are Pipedrive's field keys).
 * - `ownerId` must be a Pipedrive user id (a positive integer), else permanent failure.
 */
export async function upsertLead(
  destination: PipedriveDestination,
  delivery: LeadDelivery,
  options: ConnectorOptions,
): Promise<DeliveryOutcome> {
  const email = delivery.lead.email?.trim().toLowerCase();
  if (!email) return permanentFailure("lead has no email: Pipedrive persons are matched by email");
  const ownerId = delivery.ownerId === undefined ? undefined : Number(delivery.ownerId);
  if (ownerId !== undefined && !(Number.isSafeInteger(ownerId) && ownerId > 0)) {
    return permanentFailure("owner id is not a Pipedrive user id (a positive integer)");
  }

  const client = new PipedriveClient(destination, options);
  const search = await client.call("GET", `/api/v2/persons/search?${new URLSearchParams({ term: email, fields: "email", exact_match: "true" })}`);
  if (!search.ok) return search.outcome;
  const found = searchSchema.safeParse(search.json);
  if (!found.success) return client.malformed(search.result, "not a person search response");

  const name = displayName(delivery);
  const customFields = Object.keys(delivery.properties).length > 0 ? { custom_fields: delivery.properties } : {};
  const owner = ownerId === undefined ? {} : { owner_id: ownerId };
  const existingId = found.data.data.items[0]?.item.id;
  const person =
    existingId === undefined
      ? await client.call("POST", "/api/v2/persons", {
          name: name ?? email,
          emails: [{ value: email, primary: true, label: "work" }],
          ...(delivery.lead.phone ? { phones: [{ value: delivery.lead.phone, primary: true, label: "work" }] } : {}),
          ...owner,
          ...customFields,
        })
      : await client.call("PATCH", `/api/v2/persons/${existingId}`, { ...(name ? { name } : {}), ...owner, ...customFields });
  if (!person.ok) return person.outcome;
  const personId = personSchema.safeParse(person.json).data?.data.id;
  if (personId === undefined) return client.malformed(person.result, "not a person response");

  const leads = await client.call("GET", `/api/v1/leads?${new URLSearchParams({ person_id: String(personId), archived_status: "not_archived", limit: "1" })}`);
  if (!leads.ok) return leads.outcome;
  const open = leadsSchema.safeParse(leads.json);
  if (!open.success) return client.malformed(leads.result, "not a leads list response");

  let status = leads.result.status;
  if ((open.data.data ?? []).length === 0) {
    const created = await client.call("POST", "/api/v1/leads", { title: leadTitle(delivery, email), person_id: personId, ...owner });
    if (!created.ok) return created.outcome;
    if (!leadSchema.safeParse(created.json).success) return client.malformed(created.result, "not a lead response");
    status = created.result.status;
  }
  return {
    ok: true,
    status,
    externalId: String(personId),
    excerpt: excerpt(`person ${existingId === undefined ? "created" : "updated"}: ${person.result.text}`),
    latencyMs: client.latencyMs,
  };
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
 * Pipedrive's machine error code from an error body, when it sends one (e.g.
 * `feature_capping_deals_limit`): https://pipedrive.readme.io/docs/core-api-concepts-responses
 */
function pipedriveErrorCode(text: string): string | undefined {
  return errorSchema.safeParse(parseJson(text)).data?.code;
}

type Call =
  | { ok: true; result: Extract<HttpResult, { kind: "response" }>; json: unknown }
  | { ok: false; outcome: DeliveryOutcome };

/** The calls of one delivery: shared auth, timeout, and the latency they add up to. */
class PipedriveClient {
  latencyMs = 0;
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
    if (result.kind !== "response") return { ok: false, outcome: { ...classify(result), latencyMs: this.latencyMs } };
    if (result.status < 200 || result.status >= 300) {
      // Only the machine code: Pipedrive's `error` text may quote the values sent.
      return { ok: false, outcome: { ...classify(result, pipedriveErrorCode(result.text)), latencyMs: this.latencyMs } };
    }
    return { ok: true, result, json: parseJson(result.text) };
  }

  malformed(result: Extract<HttpResult, { kind: "response" }>, what: string): DeliveryOutcome {
    return { ...malformedResponse(result, what), latencyMs: this.latencyMs };
  }
}
