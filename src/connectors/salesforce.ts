import { z } from "zod";
import { outboundUrl } from "../lib/config-fields";
import { defineConnector, destinationCommon, eachDelivery } from "./connector";
import { type ConnectorOptions, classify, parseJson, permanentFailure, sendHttp } from "./http";
import type { DeliveryOutcome, LeadDelivery } from "./types";

export const salesforceDestinationSchema = z.object({
  ...destinationCommon,
  type: z.literal("salesforce"),
  /** e.g. https://yourorg.my.salesforce.com */
  instanceUrl: outboundUrl(),
  /** OAuth access token (Bearer). Write-only. */
  accessToken: z.string().min(1),
  apiVersion: z.string().regex(/^v\d+\.\d$/).default("v60.0"),
  /** sObject to upsert into. */
  object: z.string().min(1).default("Lead"),
  /**
   * The field the upsert is keyed on; its value is the lead's email. It must be a
   * field marked External ID on the object (e.g. a custom `Email__c`): Salesforce
   * does not allow upserts on the standard Email field.
   */
  externalIdField: z.string().min(1),
});
export type SalesforceDestination = z.infer<typeof salesforceDestinationSchema>;

export const salesforceConnector = defineConnector({
  schema: salesforceDestinationSchema,
  secrets: ["accessToken"],
  // Salesforce has no per-second limit (a daily allocation, 25 concurrent long requests).
  defaultRate: { perSecond: 20, burst: 25 },
  deliveriesPerCall: 1,
  actions: ["upsert"],
  crm: true,
  label: "Salesforce",
  target: (destination) => `${destination.instanceUrl} (${destination.object}.${destination.externalIdField})`,
  deliver: eachDelivery(upsertLead),
  errorCode: errorCodeOf,
});

/** Written where Salesforce requires a value the lead does not have. */
export const NOT_PROVIDED = "[not provided]";

/**
 * Upserts one lead as a Salesforce record keyed by an External ID field holding
 * the email.
 *
 * API: "Insert or Update (Upsert) a Record Using an External ID",
 * `PATCH /services/data/vXX.X/sobjects/{object}/{externalIdField}/{value}` with
 * `Authorization: Bearer <access token>` and a JSON body of fields. 201 + `{ id,
 * success, errors, created: true }` when created; when updated, 200 + `{ …,
 * created: false }` from API v46.0, 204 without a body before; 300 when the value
 * matches several records; errors are `[{ message, errorCode, fields }]`.
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_upsert.htm
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm
 *
 * - Lead requires LastName and Company on create (REQUIRED_FIELD_MISSING otherwise):
 *   a missing LastName becomes "[not provided]", a missing Company the lead's domain
 *   or "[not provided]". Contact requires LastName. Other objects get Email, OwnerId
 *   and the route's properties only.
 * - The External ID value comes from the URL, so the body does not repeat it.
 * - 403 REQUEST_LIMIT_EXCEEDED (the org's rolling 24-hour API limit) is retryable:
 *   it clears with time, unlike other 403s.
 * - A 2xx body that is not the documented shape still counts as success (the
 *   status says the write happened); only `externalId` is then missing.
 */
export async function upsertLead(
  destination: SalesforceDestination,
  delivery: LeadDelivery,
  options: ConnectorOptions,
): Promise<DeliveryOutcome> {
  const email = delivery.lead.email?.trim().toLowerCase();
  if (!email) return permanentFailure("lead has no email: the Salesforce upsert is keyed by email");

  const base = destination.instanceUrl.replace(/\/+$/, "");
  const path = [
    "services/data",
    encodeURIComponent(destination.apiVersion),
    "sobjects",
    encodeURIComponent(destination.object),
    encodeURIComponent(destination.externalIdField),
    encodeURIComponent(email),
  ].join("/");
  const result = await sendHttp(
    {
      url: `${base}/${path}`,
      method: "PATCH",
      headers: {
        authorization: `Bearer ${destination.accessToken}`,
        "content-type": "application/json",
        accept: "application/json",
      },
      body: JSON.stringify(salesforceFields(destination.object, delivery, email)),
    },
    { timeoutMs: options.timeoutMs ?? destination.timeoutMs, allowHttp: options.allowHttp },
  );

  if (result.kind !== "response") return classify(result);
  const outcome = classify(result, errorCodeOf(result.text));
  if (outcome.ok) {
    const id = upsertResultSchema.safeParse(parseJson(result.text)).data?.id;
    return id ? { ...outcome, externalId: id } : outcome;
  }
  if (result.status === 403 && errorCodeOf(result.text) === "REQUEST_LIMIT_EXCEEDED") {
    return { ...outcome, retryable: true };
  }
  return outcome;
}

/** The JSON body for one delivery; route properties win over mapped fields. */
export function salesforceFields(
  object: string,
  delivery: LeadDelivery,
  email: string,
): Record<string, string | number | boolean> {
  const { lead } = delivery;
  const fields: Record<string, string | number | boolean | undefined> = { Email: email, OwnerId: delivery.ownerId };
  if (object === "Lead" || object === "Contact") {
    Object.assign(fields, {
      FirstName: lead.firstName,
      LastName: nonEmpty(lead.lastName) ?? NOT_PROVIDED,
      Phone: lead.phone,
    });
  }
  if (object === "Lead") {
    Object.assign(fields, {
      Company: nonEmpty(lead.company) ?? nonEmpty(lead.domain) ?? NOT_PROVIDED,
      Country: lead.country,
      Industry: lead.industry,
      NumberOfEmployees: lead.employees,
    });
  }
  const out: Record<string, string | number | boolean> = {};
  for (const [name, value] of Object.entries(fields)) if (value !== undefined && value !== "") out[name] = value;
  return { ...out, ...delivery.properties };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value?.trim() ? value : undefined;
}

const upsertResultSchema = z.object({ id: z.string(), success: z.boolean().optional(), created: z.boolean().optional() });
const errorsSchema = z.array(z.object({ errorCode: z.string(), message: z.string().optional() }));

function errorCodeOf(text: string): string | undefined {
  return errorsSchema.safeParse(parseJson(text)).data?.[0]?.errorCode;
}
