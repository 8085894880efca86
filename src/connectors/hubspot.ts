import { z } from "zod";
import { outboundUrl, timeZoneSchema } from "../lib/config-fields";
import { type ConnectorOptions, defineConnector, destinationCommon } from "./connector";
import { classify, type DeliveryFailure, excerpt, type HttpResult, malformedResponse, parseJson, permanentFailure, sendHttp } from "./http";
import { dailyReset, holdOf, hubspotDefaultRate, hubspotPlans } from "./hubspot-limits";
import type { DeliveryOutcome, LeadDelivery } from "./types";

export const hubspotDestinationSchema = z.object({
  ...destinationCommon,
  type: z.literal("hubspot"),
  /** Private app access token (Bearer). Write-only. */
  token: z.string().min(1),
  baseUrl: outboundUrl().default("https://api.hubapi.com"),
  /**
   * The portal's plan, which sets the default `rate`: 100 calls per 10 s on Free and
   * Starter, 190 on Professional and Enterprise. Default `starter`: the lower limit
   * only slows a bigger portal, the higher one would get a smaller portal 429s.
   */
  plan: z.enum(hubspotPlans).default("starter"),
  /** The HubSpot account's time zone: its daily API limit resets at midnight there. */
  accountTimeZone: timeZoneSchema.default("UTC"),
});
export type HubspotDestination = z.infer<typeof hubspotDestinationSchema>;

/** HubSpot takes at most 100 inputs per batch call. */
export const HUBSPOT_BATCH_LIMIT = 100;

export const hubspotConnector = defineConnector({
  schema: hubspotDestinationSchema,
  secrets: ["token"],
  // By the portal's plan (src/connectors/hubspot-limits.ts); `starter` when unsaid.
  defaultRate: hubspotDefaultRate({ plan: "starter" }),
  defaultRateFor: hubspotDefaultRate,
  deliveriesPerCall: HUBSPOT_BATCH_LIMIT,
  actions: ["upsert"],
  crm: true,
  label: "HubSpot",
  target: (destination) => destination.baseUrl,
  deliver: upsertLeads,
  errorCode: hubspotErrorCode,
});

/** The contact property that holds the owner. */
const OWNER_PROPERTY = "hubspot_owner_id";

/** One contact to write: deliveries with the same email merged. */
interface Input {
  email: string;
  properties: Record<string, string>;
  /** The pool's fallback owner, from the last merged delivery that had one. */
  fallbackOwnerId?: string;
}

/** A batch HubSpot refused as a whole: its answer, whose message covers every bad input in it. */
type Refusal = Extract<HttpResult, { kind: "response" }>;

/**
 * Creates or updates HubSpot contacts, keyed by email, in as few calls as possible.
 *
 * API: "Create or update a batch of contacts by unique property values (upsert)",
 * `POST /crm/v3/objects/contacts/batch/upsert` with
 * `{ inputs: [{ idProperty: "email", id, properties }] }`, `Authorization: Bearer`
 * (private app token). 200 when every input was written; `results[]` carry `id` and
 * `properties` and are not promised in input order.
 * https://developers.hubspot.com/docs/api-reference/legacy/crm/objects/contacts/batch/upsert-contacts
 * Errors: https://developers.hubspot.com/docs/api-reference/error-handling
 *
 * - One outcome per delivery, in the same order.
 * - A lead without an email cannot be keyed: permanent failure, no call.
 * - Deliveries with the same email in one batch are merged into one input (later
 *   deliveries win per property), because HubSpot rejects the whole batch when two
 *   inputs resolve to the same record; every merged delivery gets that input's outcome.
 * - HubSpot refuses a batch as a whole (400) when any input is invalid. A refused
 *   batch is split and the parts sent again until each bad input stands alone, so
 *   the others land (see `writeRefused`); each bad input gets HubSpot's message.
 * - An input refused for its owner (the message names `hubspot_owner_id`) is sent
 *   again with the pool's fallback owner, then without an owner; the outcome says so.
 * - A 429 holds the destination (`hold`), as HubSpot's `policyName` says.
 */
export async function upsertLeads(destination: HubspotDestination, deliveries: readonly LeadDelivery[], options: ConnectorOptions): Promise<DeliveryOutcome[]> {
  const outcomes: (DeliveryOutcome | undefined)[] = deliveries.map(() => undefined);
  const byEmail = new Map<string, Input & { indexes: number[] }>();

  deliveries.forEach((delivery, index) => {
    const email = delivery.lead.email?.trim().toLowerCase();
    if (!email) {
      outcomes[index] = permanentFailure("lead has no email: HubSpot contacts are upserted by email");
      return;
    }
    const entry = byEmail.get(email) ?? { email, properties: {}, indexes: [] };
    Object.assign(entry.properties, contactProperties(delivery), { email });
    if (delivery.fallbackOwnerId) entry.fallbackOwnerId = delivery.fallbackOwnerId;
    entry.indexes.push(index);
    byEmail.set(email, entry);
  });

  const inputs = [...byEmail.values()];
  const writer = new BatchWriter(destination, options);
  for (let start = 0; start < inputs.length; start += HUBSPOT_BATCH_LIMIT) {
    const chunk = inputs.slice(start, start + HUBSPOT_BATCH_LIMIT);
    const chunkOutcomes = await writer.write(chunk, start > 0);
    for (const input of chunk) {
      const outcome = chunkOutcomes.get(input.email);
      for (const index of input.indexes) outcomes[index] = outcome;
    }
  }
  return withDailyReset(
    outcomes.map((outcome) => outcome ?? permanentFailure("internal: delivery was not sent")),
    destination,
    options,
  );
}

/** A daily hold lasts until HubSpot says the limit resets: asked once per call of `upsertLeads`. */
async function withDailyReset(outcomes: DeliveryOutcome[], destination: HubspotDestination, options: ConnectorOptions): Promise<DeliveryOutcome[]> {
  const daily = outcomes.find((o) => !o.ok && o.hold?.daily);
  if (!daily || daily.ok || !daily.hold) return outcomes;
  const hold = await dailyReset(daily.hold, destination, options);
  return outcomes.map((o) => (!o.ok && o.hold?.daily ? { ...o, hold } : o));
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
    [OWNER_PROPERTY]: delivery.ownerId,
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
/** HubSpot's error body; every field optional, as the error-handling guide asks. */
const errorBodySchema = z.object({ category: z.string().optional(), errorType: z.string().optional(), message: z.string().optional() });

/** HubSpot's error type, else its category (e.g. `VALIDATION_ERROR`), from an error body. */
function hubspotErrorCode(text: string): string | undefined {
  const body = errorBodySchema.safeParse(parseJson(text)).data;
  return body?.errorType ?? body?.category;
}

type Outcomes = Map<string, DeliveryOutcome>;

/** The calls of one `upsertLeads`: sends batches, splits refused ones. */
class BatchWriter {
  constructor(
    private readonly destination: HubspotDestination,
    private readonly options: ConnectorOptions,
  ) {}

  /** Writes `inputs` in one call (`paced`: wait for the limiter first); splits it if refused. */
  async write(inputs: Input[], paced: boolean): Promise<Outcomes> {
    const result = await this.send(inputs, paced);
    const refusal = refusalOf(result);
    if (!refusal) return readAnswer(result, inputs, this.destination);
    if (inputs.length === 1 && inputs[0]) return new Map([[inputs[0].email, await this.refusedAlone(inputs[0], refusal)]]);
    return this.writeRefused(inputs, refusal);
  }

  /**
   * A batch HubSpot refused as a whole. It is split in two — the inputs the refusal
   * names first set apart, when it names some (a hint, never a verdict), else
   * halves — and the first part is sent. If all of it landed, every bad input is in
   * the second part: that part is split again without being sent (the refusal's
   * message is about it alone). Otherwise the second part is sent too. So each bad
   * input stands alone after at most ⌈log2 n⌉ splits, and no input is failed for
   * another's fault.
   */
  private async writeRefused(inputs: Input[], refusal: Refusal): Promise<Outcomes> {
    const [first, second] = split(inputs, refusal);
    const firstOutcomes = await this.write(first, true);
    if ([...firstOutcomes.values()].every((o) => o.ok)) {
      if (second.length === 1 && second[0]) return new Map([...firstOutcomes, [second[0].email, await this.refusedAlone(second[0], refusal)]]);
      // Every bad input is here and HubSpot quotes each one's owner: one call for all of them.
      if (second.every((input) => quotesOwner(input, refusal))) return new Map([...firstOutcomes, ...(await this.writeOwnersReplaced(second, refusal))]);
      return new Map([...firstOutcomes, ...(await this.writeRefused(second, refusal))]);
    }
    const unsent = [...firstOutcomes.values()].find((o) => !o.ok && o.hold !== undefined);
    // Rate-limited half way: the rest waits with the same hold rather than another 429.
    if (unsent) return new Map([...firstOutcomes, ...second.map((input) => [input.email, unsent] as const)]);
    return new Map([...firstOutcomes, ...(await this.write(second, true))]);
  }

  /**
   * Inputs whose owners HubSpot refused, written with their pool's fallback owner
   * (or none) in one batch — itself split if refused — each outcome saying so.
   */
  private async writeOwnersReplaced(inputs: Input[], refusal: Refusal): Promise<Outcomes> {
    const message = messageOf(refusal);
    const replaced = inputs.map((input) => withOwner(input, fallbackFor(input)));
    const outcomes = await this.write(replaced, true);
    return new Map(
      inputs.map((input): [string, DeliveryOutcome] => {
        const outcome = outcomes.get(input.email) ?? permanentFailure("internal: no outcome");
        if (!outcome.ok) return [input.email, outcome];
        // The fallback owner refused too: written without one (`ownerFallback` already says so).
        const ownerId = outcome.ownerFallback ? outcome.ownerFallback.ownerId : fallbackFor(input);
        const refusedOwnerId = input.properties[OWNER_PROPERTY] ?? "";
        return [input.email, { ...outcome, ownerFallback: { refusedOwnerId, ...(ownerId === undefined ? {} : { ownerId }), message } }];
      }),
    );
  }

  /**
   * One input HubSpot refused. When the refusal names the owner property it is
   * sent again with the pool's fallback owner, then with no owner: if that lands,
   * the owner was the only fault. Anything else fails for good with HubSpot's message.
   */
  private async refusedAlone(input: Input, refusal: Refusal): Promise<DeliveryOutcome> {
    const refusedOwnerId = input.properties[OWNER_PROPERTY];
    if (refusedOwnerId === undefined || !namesOwner(refusal)) return refused(refusal);
    const message = messageOf(refusal);
    const candidates = [...new Set([fallbackFor(input), undefined])];
    let last = refusal;
    for (const ownerId of candidates) {
      const retry = withOwner(input, ownerId);
      const result = await this.send([retry], true);
      const again = refusalOf(result);
      if (!again) {
        const outcome = readAnswer(result, [retry], this.destination).get(input.email) ?? permanentFailure("internal: no outcome");
        if (!outcome.ok) return outcome;
        return { ...outcome, ownerFallback: { refusedOwnerId, ...(ownerId === undefined ? {} : { ownerId }), message } };
      }
      last = again;
      // Refused for something besides the owner: the fallback does not help.
      if (!namesOwner(again)) return refused(again);
    }
    return refused(last);
  }

  private async send(inputs: Input[], paced: boolean): Promise<HttpResult> {
    if (paced) await this.options.pace?.();
    const { destination, options } = this;
    return sendHttp(
      {
        url: `${destination.baseUrl.replace(/\/+$/, "")}/crm/v3/objects/contacts/batch/upsert`,
        method: "POST",
        headers: {
          authorization: `Bearer ${destination.token}`,
          "content-type": "application/json",
          accept: "application/json",
        },
        body: JSON.stringify({ inputs: inputs.map(({ email, properties }) => ({ idProperty: "email", id: email, properties })) }),
      },
      { timeoutMs: options.timeoutMs ?? destination.timeoutMs, allowHttp: options.allowHttp },
    );
  }
}

/** The owner to try instead of the input's own: the pool's fallback, unless that is the same one. */
function fallbackFor(input: Input): string | undefined {
  return input.fallbackOwnerId !== input.properties[OWNER_PROPERTY] ? input.fallbackOwnerId : undefined;
}

/** The input with another owner, or none. */
function withOwner(input: Input, ownerId: string | undefined): Input {
  const { [OWNER_PROPERTY]: _, ...rest } = input.properties;
  return { ...input, properties: ownerId === undefined ? rest : { ...rest, [OWNER_PROPERTY]: ownerId } };
}

/** Whether `text` quotes `value` as a whole token (owner 99 is not quoted by "999"). */
function quotes(text: string, value: string): boolean {
  const escaped = value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return value.length > 0 && new RegExp(`(^|[^0-9A-Za-z@._-])${escaped}($|[^0-9A-Za-z@._-])`).test(text);
}

/** Whether HubSpot's refusal is about this input's owner: it names the owner property and quotes the id. */
function quotesOwner(input: Input, refusal: Refusal): boolean {
  const owner = input.properties[OWNER_PROPERTY];
  return owner !== undefined && namesOwner(refusal) && quotes(messageOf(refusal), owner);
}

/** A 400: HubSpot refused the batch for its inputs (VALIDATION_ERROR and the like). */
function refusalOf(result: HttpResult): Refusal | undefined {
  return result.kind === "response" && result.status === 400 ? result : undefined;
}

function messageOf(refusal: Refusal): string {
  const body = errorBodySchema.safeParse(parseJson(refusal.text));
  return (body.success ? body.data.message : undefined) ?? excerpt(refusal.text);
}

/** Whether HubSpot's refusal is about the owner property. */
function namesOwner(refusal: Refusal): boolean {
  return refusal.text.includes(OWNER_PROPERTY);
}

/** A permanent failure carrying HubSpot's message. */
function refused(refusal: Refusal): DeliveryFailure {
  const body = errorBodySchema.safeParse(parseJson(refusal.text)).data;
  const code = body?.category ?? body?.errorType;
  return {
    ok: false,
    retryable: false,
    status: refusal.status,
    error: `HTTP ${refusal.status}${code ? ` ${code}` : ""}: ${messageOf(refusal)}`.slice(0, 1000),
    excerpt: excerpt(refusal.text),
    latencyMs: refusal.latencyMs,
  };
}

/**
 * Two non-empty parts of a refused batch: the inputs whose value HubSpot's message
 * quotes (an email, an owner id, an option) last, so that the first part is likely
 * to land whole; halves when the message names none or all of them.
 */
function split(inputs: Input[], refusal: Refusal): [Input[], Input[]] {
  const message = messageOf(refusal);
  const named = inputs.filter((input) => Object.entries(input.properties).some(([name, value]) => message.includes(name) && quotes(message, value)));
  if (named.length > 0 && named.length < inputs.length) return [inputs.filter((input) => !named.includes(input)), named];
  const half = Math.ceil(inputs.length / 2);
  return [inputs.slice(0, half), inputs.slice(half)];
}

/** What HubSpot answered for inputs it did not refuse as a whole. */
function readAnswer(result: HttpResult, inputs: Input[], destination: HubspotDestination): Outcomes {
  const all = (outcome: DeliveryOutcome): Outcomes => new Map(inputs.map(({ email }) => [email, outcome]));
  if (result.kind !== "response" || result.status < 200 || result.status >= 300) {
    const outcome = classify(result, result.kind === "response" ? hubspotErrorCode(result.text) : undefined);
    const hold = holdOf(result, destination);
    return all(!outcome.ok && hold ? { ...outcome, hold } : outcome);
  }

  const parsed = batchResponseSchema.safeParse(parseJson(result.text));
  if (!parsed.success) return all(malformedResponse(result, "not a HubSpot batch response"));

  const outcomes: Outcomes = new Map();
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
      error: `HubSpot ${error.category ?? "error"} for this contact${error.message ? `: ${error.message}` : ""}`.slice(0, 1000),
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
  for (const { email } of inputs) {
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
