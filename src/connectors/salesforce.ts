import { z } from "zod";
import { type ConnectorOptions, defineConnector } from "./connector";
import { type DeliveryFailure, excerpt, malformedResponse, parseJson, permanentFailure, sendHttp } from "./http";
import { describeObject } from "./salesforce-describe";
import { type SalesforceDestination, salesforceDestinationSchema } from "./salesforce-destination";
import { type FieldValue, fitFields, salesforceFields } from "./salesforce-fields";
import { classifyCall, errorCodeOf, withSession } from "./salesforce-session";
import type { DeliveryOutcome, LeadDelivery } from "./types";

/** sObject Collections take at most 200 records per call. */
export const SALESFORCE_BATCH_LIMIT = 200;

export const salesforceConnector = defineConnector({
  schema: salesforceDestinationSchema,
  secrets: ["accessToken", "auth.clientSecret", "auth.refreshToken"],
  // A write that switches to a connected app does not keep the fixed token.
  secretsReplacedBy: { accessToken: "auth" },
  // Salesforce has no per-second limit (a daily allocation, 25 concurrent long requests).
  defaultRate: { perSecond: 20, burst: 25 },
  deliveriesPerCall: SALESFORCE_BATCH_LIMIT,
  actions: ["upsert"],
  crm: true,
  label: "Salesforce",
  target: (destination) => `${destination.instanceUrl ?? "instance from OAuth"} (${destination.object}.${destination.externalIdField})`,
  deliver: upsertLeads,
  errorCode: errorCodeOf,
});

/**
 * Record errors that pass with time: another transaction held the row
 * (UNABLE_TO_LOCK_ROW), the org's API allocation, a server-side hiccup.
 * https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_concepts_core_data_objects.htm#statuscode
 */
const retryableRecordErrors = new Set(["UNABLE_TO_LOCK_ROW", "REQUEST_LIMIT_EXCEEDED", "SERVER_UNAVAILABLE", "UNKNOWN_EXCEPTION"]);

/**
 * Creates or updates records keyed by an External ID field holding the email, up
 * to 200 per call, each record's result its own outcome.
 *
 * API: "Upsert Records Using sObject Collections" (v46.0+),
 * `PATCH /services/data/vXX.X/composite/sobjects/{object}/{externalIdField}` with
 * `{ allOrNone: false, records: [{ attributes: { type }, …fields, [externalIdField]: email }] }`.
 * A well-formed request answers 200 with one `{ id, success, errors, created }` per
 * record in request order; each record is saved or refused on its own. A request
 * that is not well formed is a 400 for all.
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_upsert.htm
 * `Sforce-Duplicate-Rule-Header: allowSave=…` (v52.0+) lets records flagged by an
 * alerting duplicate rule be saved:
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_duplicaterules.htm
 *
 * - Fields are fitted to the object's describe first (salesforce-fields.ts); what
 *   was changed or left out is noted in the attempt's excerpt.
 * - Deliveries with the same email in one batch are merged into one record (later
 *   deliveries win per field): Salesforce refuses an External ID value twice in one
 *   call (DUPLICATE_VALUE); every merged delivery gets that record's outcome.
 * - A whole call refused with 400 is split in halves and resent until the record
 *   that made it malformed fails alone; each call after the first waits for the
 *   destination's limiter (`options.pace`).
 * - DUPLICATE_EXTERNAL_ID (the value matches several records; the single-record
 *   upsert answers 300) fails that lead, naming the records; DUPLICATES_DETECTED
 *   names the records the duplicate rule matched.
 */
export async function upsertLeads(
  destination: SalesforceDestination,
  deliveries: readonly LeadDelivery[],
  options: ConnectorOptions,
): Promise<DeliveryOutcome[]> {
  const outcomes: (DeliveryOutcome | undefined)[] = deliveries.map(() => undefined);
  const byEmail = new Map<string, { fields: Record<string, FieldValue>; indexes: number[] }>();
  deliveries.forEach((delivery, index) => {
    const email = delivery.lead.email?.trim().toLowerCase();
    if (!email) {
      outcomes[index] = permanentFailure("lead has no email: the Salesforce upsert is keyed by email");
      return;
    }
    const entry = byEmail.get(email) ?? { fields: {}, indexes: [] };
    Object.assign(entry.fields, salesforceFields(destination, delivery, email));
    entry.indexes.push(index);
    byEmail.set(email, entry);
  });

  const entries = [...byEmail.entries()];
  if (entries.length > 0) {
    const described = await describeObject(destination, options);
    for (let start = 0; start < entries.length; start += SALESFORCE_BATCH_LIMIT) {
      const chunk = entries.slice(start, start + SALESFORCE_BATCH_LIMIT);
      const chunkOutcomes: DeliveryOutcome[] = described.ok
        ? await upsertChunk(
            destination,
            chunk.map(([email, { fields }]) => ({ email, ...fitFields(fields, described.fields, destination.object, destination.externalIdField) })),
            options,
            start > 0,
          )
        : chunk.map(() => described);
      chunk.forEach(([, { indexes }], i) => {
        for (const index of indexes) outcomes[index] = chunkOutcomes[i];
      });
    }
  }
  return outcomes.map((outcome) => outcome ?? permanentFailure("internal: delivery was not sent"));
}

const recordErrorSchema = z.object({
  statusCode: z.string(),
  message: z.string().default(""),
  fields: z.array(z.string()).default([]),
  duplicateResult: z
    .object({ matchResults: z.array(z.object({ matchRecords: z.array(z.object({ record: z.object({ Id: z.string() }).loose() })).default([]) })).default([]) })
    .loose()
    .optional(),
});
const upsertResultSchema = z.object({
  id: z.string().nullable().optional(),
  success: z.boolean(),
  errors: z.array(recordErrorSchema).default([]),
  created: z.boolean().optional(),
});
const collectionResultSchema = z.array(upsertResultSchema);

interface Prepared {
  email: string;
  record: Record<string, FieldValue>;
  notes: string[];
}

/** One Collections call for `chunk` (`paced`: a call beyond the batch's first, which waits for the limiter). */
async function upsertChunk(destination: SalesforceDestination, chunk: Prepared[], options: ConnectorOptions, paced: boolean): Promise<DeliveryOutcome[]> {
  if (paced) await options.pace?.();
  const path = [
    "services/data",
    encodeURIComponent(destination.apiVersion),
    "composite/sobjects",
    encodeURIComponent(destination.object),
    encodeURIComponent(destination.externalIdField),
  ].join("/");
  const body = JSON.stringify({
    allOrNone: false,
    records: chunk.map(({ email, record }) => ({ attributes: { type: destination.object }, ...record, [destination.externalIdField]: email })),
  });
  const result = await withSession(destination, options, (session) =>
    sendHttp(
      {
        url: `${session.instanceUrl}/${path}`,
        method: "PATCH",
        headers: {
          authorization: `Bearer ${session.accessToken}`,
          "content-type": "application/json",
          accept: "application/json",
          "sforce-duplicate-rule-header": `allowSave=${destination.allowSave}`,
        },
        body,
      },
      { timeoutMs: options.timeoutMs ?? destination.timeoutMs, allowHttp: options.allowHttp },
    ),
  );
  if ("ok" in result) return chunk.map(() => result);
  const call = classifyCall(destination, result, "upsert");
  if (!call.ok && result.kind === "response" && result.status === 400 && chunk.length > 1) {
    // A request that is not well formed fails as a whole, though one record made it
    // so (a value the describe could not vet, e.g. a malformed date): send the
    // halves until the bad record stands alone (at most ⌈log2 200⌉ levels).
    const half = Math.ceil(chunk.length / 2);
    return [...(await upsertChunk(destination, chunk.slice(0, half), options, true)), ...(await upsertChunk(destination, chunk.slice(half), options, true))];
  }
  if (!call.ok || result.kind !== "response") return chunk.map(() => call);

  const parsed = collectionResultSchema.safeParse(parseJson(result.text));
  if (!parsed.success || parsed.data.length !== chunk.length) {
    return chunk.map(() => malformedResponse(result, "not one upsert result per record"));
  }
  return parsed.data.map((item, i): DeliveryOutcome => {
    const notes = chunk[i]?.notes ?? [];
    // Notes first: the excerpt is cut at 500 characters and they matter more than the echo.
    const shown = excerpt(JSON.stringify(notes.length > 0 ? { notes, ...item } : item));
    if (item.success) {
      return { ok: true, status: item.created ? 201 : 200, ...(item.id ? { externalId: item.id } : {}), excerpt: shown, latencyMs: result.latencyMs };
    }
    return recordFailure(item.errors[0], destination, chunk[i]?.email ?? "", shown, result.latencyMs);
  });
}

function recordFailure(
  error: z.infer<typeof recordErrorSchema> | undefined,
  destination: SalesforceDestination,
  email: string,
  shown: string,
  latencyMs: number,
): DeliveryFailure {
  const code = error?.statusCode ?? "UNKNOWN";
  const base = { ok: false as const, status: 200, excerpt: shown, latencyMs };
  if (code === "DUPLICATE_EXTERNAL_ID") {
    const ids = /\[([^\]]*)\]/.exec(error?.message ?? "")?.[1] ?? "";
    return {
      ...base,
      retryable: false,
      error: `Salesforce DUPLICATE_EXTERNAL_ID: several ${destination.object} records have ${destination.externalIdField} = ${email}: ${ids}`,
    };
  }
  if (code === "DUPLICATES_DETECTED") {
    const ids = (error?.duplicateResult?.matchResults ?? []).flatMap((m) => m.matchRecords.map((r) => r.record.Id));
    const named = ids.length > 0 ? ` (matches ${ids.join(", ")})` : "";
    return { ...base, retryable: false, error: `Salesforce DUPLICATES_DETECTED: a duplicate rule refused this ${destination.object}${named}` };
  }
  return { ...base, retryable: retryableRecordErrors.has(code), error: `Salesforce ${code}${error?.message ? `: ${error.message}` : ""}`.slice(0, 300) };
}
