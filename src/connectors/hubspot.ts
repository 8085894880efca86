import { z } from "zod";
import { outboundUrl } from "../lib/config-fields";
import { defineConnector, destinationCommon } from "./connector";
import {
  type ConnectorOptions,
  type DeliveryFailure,
  classify,
  excerpt,
  malformedResponse,
  parseJson,
  permanentFailure,
  sendHttp,
} from "./http";
import type { DeliveryOutcome, LeadDelivery } from "./types";

export const hubspotDestinationSchema = z.object({
  ...destinationCommon,
  type: z.literal("hubspot"),
  /** Private app access token (Bearer). Write-only. */
  token: z.string().min(1),
  baseUrl: outboundUrl().default("https://api.hubapi.com"),
});
export type HubspotDestination = z.infer<typeof hubspotDestinationSchema>;

/** HubSpot takes at most 100 inputs per batch call. */
export const HUBSPOT_BATCH_LIMIT = 100;

export const hubspotConnector = defineConnector({
  schema: hubspotDestinationSchema,
  secrets: ["token"],
  // HubSpot private apps allow 190 requests per rolling 10 s (Professional/Enterprise).
  // burst + 10 s × rate = 190: a full bucket plus ten seconds of refill stays within
  // it (19/s with a burst of 19 would allow 209).
  defaultRate: { perSecond: 17, burst: 20 },
  deliveriesPerCall: HUBSPOT_BATCH_LIMIT,
  actions: ["upsert"],
  crm: true,
  label: "HubSpot",
  target: (destination) => destination.baseUrl,
  deliver: upsertLeads,
  errorCode: hubspotErrorCode,
});

/**
 * Creates or updates HubSpot contacts, keyed by email, in as few calls as possible.
 *
 * API: "Create or update a batch of contacts by unique property values (upsert)",
 * `POST /crm/v3/objects/contacts/batch/upsert` with
 * `{ inputs: [{ idProperty: "email", id, properties }] }`, `Authorization: Bearer`
 * (private app token). 200 when every input succeeded, 207 with `errors` when some
 * did not; `results[]` carry `id` and `properties` and are not promised in input order.
 * https://developers.hubspot.com/docs/api-reference/legacy/crm/objects/contacts/batch/upsert-contacts
 * Errors: https://developers.hubspot.com/docs/api/error-handling
 *
 * - One outcome per delivery, in the same order.
 * - A lead without an email cannot be keyed: permanent failure, no call.
 * - Deliveries with the same email in one batch are merged into one input (later
 *   deliveries win per property), because HubSpot rejects the whole batch when two
 *   inputs resolve to the same record; every merged delivery gets that input's outcome.
 * - Results are mapped back by the `email` property, which is always sent.
 */
export async function upsertLeads(
  destination: HubspotDestination,
  deliveries: readonly LeadDelivery[],
  options: ConnectorOptions,
): Promise<DeliveryOutcome[]> {
  const outcomes: (DeliveryOutcome | undefined)[] = deliveries.map(() => undefined);
  const byEmail = new Map<string, { properties: Record<string, string>; indexes: number[] }>();

  deliveries.forEach((delivery, index) => {
    const email = delivery.lead.email?.trim().toLowerCase();
    if (!email) {
      outcomes[index] = permanentFailure("lead has no email: HubSpot contacts are upserted by email");
      return;
    }
    const entry = byEmail.get(email) ?? { properties: {}, indexes: [] };
    Object.assign(entry.properties, contactProperties(delivery), { email });
    entry.indexes.push(index);
    byEmail.set(email, entry);
  });

  const inputs = [...byEmail.entries()];
  for (let start = 0; start < inputs.length; start += HUBSPOT_BATCH_LIMIT) {
    const chunk = inputs.slice(start, start + HUBSPOT_BATCH_LIMIT);
    const chunkOutcomes = await upsertChunk(destination, chunk, options);
    chunk.forEach(([email, { indexes }]) => {
      const outcome = chunkOutcomes.get(email);
      for (const index of indexes) outcomes[index] = outcome;
    });
  }
  return outcomes.map((outcome) => outcome ?? permanentFailure("internal: delivery was not sent"));
}

/** HubSpot contact properties for one delivery; route properties win over mapped ones. */
export function contactProperties(delivery: LeadDelivery): Record<string, string> {
  const { lead } = delivery;
  const mapped: Record<string, string | undefined> = {
    firstname: lead.firstName,
    lastname: lead.lastName,
    company: lead.company,
    phone: lead.phone,
    website: lead.domain,
    country: lead.country,
    industry: lead.industry,
    // `numemployees` is left out: on contacts it is a dropdown of ranges whose
    // options a portal may change, and one invalid option fails the whole batch.
    // Routes can set it through `properties`.
    hubspot_owner_id: delivery.ownerId,
  };
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(mapped)) if (value !== undefined && value !== "") out[name] = value;
  for (const [name, value] of Object.entries(delivery.properties)) out[name] = String(value);
  return out;
}

const resultSchema = z.object({
  id: z.string(),
  properties: z.record(z.string(), z.string().nullable()),
});
const errorSchema = z.object({
  status: z.string().optional(),
  category: z.string().optional(),
  message: z.string().optional(),
  context: z.record(z.string(), z.array(z.string())).optional(),
});
const batchResponseSchema = z.object({
  status: z.string(),
  results: z.array(resultSchema),
  errors: z.array(errorSchema).optional(),
});
const errorBodySchema = z.object({ category: z.string().optional(), errorType: z.string().optional() });

/** HubSpot's error type, else its category (e.g. `VALIDATION_ERROR`), from an error body. */
function hubspotErrorCode(text: string): string | undefined {
  const body = errorBodySchema.safeParse(parseJson(text)).data;
  return body?.errorType ?? body?.category;
}

async function upsertChunk(
  destination: HubspotDestination,
  chunk: [string, { properties: Record<string, string> }][],
  options: ConnectorOptions,
): Promise<Map<string, DeliveryOutcome>> {
  const body = JSON.stringify({
    inputs: chunk.map(([email, { properties }]) => ({ idProperty: "email", id: email, properties })),
  });
  const result = await sendHttp(
    {
      url: `${destination.baseUrl.replace(/\/+$/, "")}/crm/v3/objects/contacts/batch/upsert`,
      method: "POST",
      headers: {
        authorization: `Bearer ${destination.token}`,
        "content-type": "application/json",
        accept: "application/json",
      },
      body,
    },
    { timeoutMs: options.timeoutMs ?? destination.timeoutMs, allowHttp: options.allowHttp },
  );

  const all = (outcome: DeliveryOutcome) => new Map(chunk.map(([email]) => [email, outcome]));
  if (result.kind !== "response" || result.status < 200 || result.status >= 300) {
    return all(classify(result, result.kind === "response" ? hubspotErrorCode(result.text) : undefined));
  }

  const parsed = batchResponseSchema.safeParse(parseJson(result.text));
  if (!parsed.success) return all(malformedResponse(result, "not a HubSpot batch response"));

  const outcomes = new Map<string, DeliveryOutcome>();
  for (const item of parsed.data.results) {
    const email = item.properties.email?.toLowerCase();
    if (!email) continue;
    outcomes.set(email, {
      ok: true,
      status: result.status,
      externalId: item.id,
      excerpt: excerpt(JSON.stringify(item)),
      latencyMs: result.latencyMs,
    });
  }
  // A 207 names the failed inputs in each error's context (e.g. `{ ids: [...] }`).
  for (const error of parsed.data.errors ?? []) {
    const failure: DeliveryFailure = {
      ok: false,
      retryable: false,
      status: result.status,
      error: `HubSpot ${error.category ?? "error"} for this contact`,
      excerpt: excerpt(JSON.stringify(error)),
      latencyMs: result.latencyMs,
    };
    for (const values of Object.values(error.context ?? {})) {
      for (const value of values) {
        const email = value.toLowerCase();
        if (!outcomes.has(email)) outcomes.set(email, failure);
      }
    }
  }
  // A 200 without errors means every input was written, even if a result did not
  // echo its email; only a 207 leaves an unnamed input in doubt (retry: idempotent).
  const allWritten = result.status === 200 && (parsed.data.errors ?? []).length === 0;
  for (const [email] of chunk) {
    if (outcomes.has(email)) continue;
    outcomes.set(
      email,
      allWritten
        ? { ok: true, status: result.status, excerpt: excerpt(result.text), latencyMs: result.latencyMs }
        : malformedResponse(result, "contact missing from HubSpot's results"),
    );
  }
  return outcomes;
}
