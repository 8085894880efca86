import { z } from "zod";
import type { ConnectorOptions } from "./connector";
import { type DeliveryFailure, malformedResponse, parseJson, permanentFailure, sendHttp } from "./http";
import type { SalesforceDestination } from "./salesforce-destination";
import { classifyCall, withSession } from "./salesforce-session";

/**
 * What the gateway needs to know of an object's fields, from its describe:
 * `GET /services/data/vXX.X/sobjects/{object}/describe`.
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_describe.htm
 * Field properties (`type`, `length`, `createable`, `updateable`, `restrictedPicklist`,
 * `picklistValues`):
 * https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_describesobjects_describesobjectresult.htm
 */
const fieldSchema = z.object({
  name: z.string(),
  type: z.string(),
  /** Characters for text types; 0 for others. */
  length: z.number().int().nonnegative().default(0),
  createable: z.boolean().default(true),
  updateable: z.boolean().default(true),
  restrictedPicklist: z.boolean().default(false),
  picklistValues: z.array(z.object({ value: z.string(), label: z.string().nullable().optional(), active: z.boolean().default(true) })).default([]),
});
const describeSchema = z.object({ name: z.string(), fields: z.array(fieldSchema) });
export type DescribedField = z.infer<typeof fieldSchema>;

/** The object's fields by name, lower-cased: Salesforce field names are case-insensitive. */
export type ObjectFields = ReadonlyMap<string, DescribedField>;

type DescribeAnswer = { ok: true; fields: ObjectFields } | DeliveryFailure;

/**
 * Describes, at most once per destination, object and configuration version in an
 * isolate: a field added in Salesforce is seen after the next configuration change.
 * A failed describe is not kept, so the next batch asks again.
 */
const cache = new Map<string, Promise<DescribeAnswer>>();
const CACHE_ENTRIES = 64;

export function describeObject(destination: SalesforceDestination, options: ConnectorOptions): Promise<DescribeAnswer> {
  const key = JSON.stringify([destination.id, options.configVersion ?? 0, destination.apiVersion, destination.object]);
  const cached = cache.get(key);
  if (cached) return cached;
  if (cache.size >= CACHE_ENTRIES) cache.clear();
  const answer = fetchDescribe(destination, options).then((result) => {
    if (!result.ok) cache.delete(key);
    return result;
  });
  cache.set(key, answer);
  return answer;
}

async function fetchDescribe(destination: SalesforceDestination, options: ConnectorOptions): Promise<DescribeAnswer> {
  const path = `services/data/${encodeURIComponent(destination.apiVersion)}/sobjects/${encodeURIComponent(destination.object)}/describe`;
  const result = await withSession(destination, options, (session) =>
    sendHttp(
      { url: `${session.instanceUrl}/${path}`, method: "GET", headers: { authorization: `Bearer ${session.accessToken}`, accept: "application/json" } },
      { timeoutMs: options.timeoutMs ?? destination.timeoutMs, allowHttp: options.allowHttp },
    ),
  );
  if ("ok" in result) return result;
  const outcome = classifyCall(destination, result, `describe ${destination.object}`);
  if (!outcome.ok) return outcome;
  const parsed = result.kind === "response" ? describeSchema.safeParse(parseJson(result.text)) : undefined;
  if (!parsed?.success)
    return result.kind === "response" ? malformedResponse(result, `not a describe of ${destination.object}`) : permanentFailure("no describe");
  return { ok: true, fields: new Map(parsed.data.fields.map((f) => [f.name.toLowerCase(), f])) };
}
