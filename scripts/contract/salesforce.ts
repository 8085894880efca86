import { z } from "zod";
import { sendHttp } from "../../src/connectors/http";
import type { SalesforceDestination } from "../../src/connectors/salesforce-destination";
import { withSession } from "../../src/connectors/salesforce-session";
import { type CallResult, callResult } from "./call";
import type { Fields, Probe, ReadBack } from "./probe";

/**
 * Salesforce: the connector upserts records by an External ID field holding the
 * email (sObject Collections); the check reads the record back by the id the upsert
 * returned and deletes it, through the connector's own session (a fixed access
 * token, or the connected app's, refreshed on INVALID_SESSION_ID).
 * - Get field values: `GET /services/data/vXX.X/sobjects/{object}/{id}?fields=…` → the
 *   record's fields
 *   https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_get_field_values.htm
 * - Delete: `DELETE /services/data/vXX.X/sobjects/{object}/{id}` → 204; the record goes
 *   to the Recycle Bin
 *   https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_delete_record.htm
 * Refused input: an `Email` that is no email address (a route property wins over the
 * mapped email; the External ID value stays valid): Salesforce refuses that record
 * with INVALID_EMAIL_ADDRESS and saves the others (`allOrNone: false`).
 * https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_concepts_core_data_objects.htm#statuscode
 */
export const REFUSED_EMAIL = "not-an-email-address";

/** The fields the connector maps for each object (salesforce-fields.ts); other objects get Email only. */
function fieldsOf(object: string): string[] {
  if (object === "Lead") return ["Email", "FirstName", "LastName", "Company"];
  if (object === "Contact") return ["Email", "FirstName", "LastName"];
  return ["Email"];
}

export const salesforceProbe: Probe<SalesforceDestination> = {
  expected: (destination, delivery) => {
    const all: Fields = { Email: delivery.lead.email, FirstName: delivery.lead.firstName, LastName: delivery.lead.lastName, Company: delivery.lead.company };
    return Object.fromEntries(fieldsOf(destination.object).map((field) => [field, all[field]]));
  },
  refused: (delivery) => ({ ...delivery, properties: { ...delivery.properties, Email: REFUSED_EMAIL } }),
  async readBack(destination, written, options): Promise<ReadBack> {
    if (!written.externalId) return { ok: false, error: "the connector reported no record id" };
    const fields = fieldsOf(destination.object);
    const result = await recordCall(destination, "GET", written.externalId, options, `?fields=${fields.join(",")}`);
    if (!result.ok) return result;
    const record = z.record(z.string(), z.unknown()).safeParse(result.json);
    if (!record.success) return { ok: false, error: `not a record: ${result.text.slice(0, 200)}` };
    return { ok: true, fields: Object.fromEntries(fields.map((field) => [field, typeof record.data[field] === "string" ? record.data[field] : undefined])) };
  },
  async cleanUp(destination, written, options) {
    if (!written.externalId) return [{ ok: false, detail: "no record id to delete" }];
    const result = await recordCall(destination, "DELETE", written.externalId, options);
    return [
      {
        ok: result.ok,
        detail: result.ok ? `${destination.object} ${written.externalId} deleted` : `${destination.object} ${written.externalId}: ${result.error}`,
      },
    ];
  },
};

async function recordCall(
  destination: SalesforceDestination,
  method: string,
  id: string,
  options: Parameters<Probe<SalesforceDestination>["readBack"]>[2],
  query = "",
): Promise<CallResult> {
  const path = `services/data/${encodeURIComponent(destination.apiVersion)}/sobjects/${encodeURIComponent(destination.object)}/${encodeURIComponent(id)}${query}`;
  const result = await withSession(destination, options, (session) =>
    sendHttp(
      { url: `${session.instanceUrl}/${path}`, method, headers: { authorization: `Bearer ${session.accessToken}`, accept: "application/json" } },
      { timeoutMs: options.timeoutMs ?? destination.timeoutMs, allowHttp: options.allowHttp },
    ),
  );
  return callResult(result);
}
