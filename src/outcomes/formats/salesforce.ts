import { z } from "zod";
import type { OutcomeFeedbackConfig } from "../../config/schema";
import type { OutcomeReport, ParsedOutcomes, SkippedItem } from "../types";
import { emailText, epochMs, idText, outcomeFor, type ValueMap } from "../values";
import { isRecord, issuesText, itemsOf } from "./items";

/**
 * Default meaning of a Lead's `Status` (the standard picklist, plus the values
 * orgs commonly add). Converting a lead turns it into an account, contact and
 * opportunity that sales then works: that is a qualified lead, not yet a won deal,
 * so `Closed - Converted` counts as qualified (orgs that count conversion as the
 * win map it to `won` with `values`). `Working - Contacted` (the default picklist's
 * second step) is `contacted`, what an SLA waits for; `Open - Not Contacted` is not
 * an outcome.
 */
export const salesforceDefaultValues: ValueMap = {
  "Working - Contacted": "contacted",
  Qualified: "qualified",
  "Closed - Converted": "qualified",
  "Closed - Not Converted": "lost",
  Unqualified: "lost",
  Disqualified: "lost",
};

/** `ChangeEventHeader` of a Change Data Capture event (the fields read here). */
const headerSchema = z.object({
  entityName: z.string(),
  recordIds: z.array(z.string()).min(1),
  changeType: z.string(),
  changedFields: z.array(z.string()).optional(),
  commitTimestamp: z.number().optional(),
});

/**
 * A Platform Event (or any flat JSON a flow or Apex callout posts) naming the
 * record and its status: Salesforce custom fields end in `__c`, the plain names
 * are for hand-built relays.
 */
const flatSchema = z
  .object({
    LeadId__c: z.string().min(1).optional(),
    RecordId__c: z.string().min(1).optional(),
    recordId: z.string().min(1).optional(),
    Email__c: z.string().optional(),
    email: z.string().optional(),
    Status__c: z.string().optional(),
    status: z.string().optional(),
    CreatedDate: z.union([z.string(), z.number()]).optional(),
    occurredAt: z.union([z.string(), z.number()]).optional(),
  })
  .refine((e) => (e.Status__c ?? e.status) !== undefined, { message: "no Status__c or status" })
  .refine((e) => (e.LeadId__c ?? e.RecordId__c ?? e.recordId ?? e.Email__c ?? e.email) !== undefined, {
    message: "no LeadId__c, RecordId__c, recordId, Email__c or email",
  });

/**
 * The event inside its envelope: CometD/Streaming API `{ data: { schema, payload,
 * event }, channel }`, Event Relay to Amazon EventBridge `{ detail: { payload,
 * schemaId, id }, … }`, a Pub/Sub API client's decoded `{ payload }`, or the bare
 * payload.
 */
function unwrap(item: Record<string, unknown>): Record<string, unknown> {
  for (const outer of ["data", "detail"]) {
    const inner = item[outer];
    if (isRecord(inner) && isRecord(inner.payload)) return inner.payload;
  }
  return isRecord(item.payload) ? item.payload : item;
}

/**
 * Lead change events (Change Data Capture) relayed as JSON, one or a list; or a
 * flat Platform Event. Outbound Messages (SOAP XML) are not read: relay a change
 * event or a Platform Event instead (docs/outcomes.md).
 */
export function parseSalesforce(payload: unknown, config: OutcomeFeedbackConfig): ParsedOutcomes {
  const items = itemsOf(payload, "events");
  if (!items) return { ok: false, reason: "Expected a Salesforce change event or Platform Event as JSON (one, or a list)." };
  const reports: OutcomeReport[] = [];
  const skipped: SkippedItem[] = [];
  items.forEach((raw, item) => {
    if (!isRecord(raw)) {
      skipped.push({ item, kind: "malformed", reason: "not a JSON object" });
      return;
    }
    const event = unwrap(raw);
    const result = "ChangeEventHeader" in event ? readChangeEvent(event, item, config) : readFlatEvent(event, item, config);
    if ("skip" in result) skipped.push(result.skip);
    else reports.push(...result.reports);
  });
  return { ok: true, reports, skipped };
}

type ItemResult = { reports: OutcomeReport[] } | { skip: SkippedItem };

function readChangeEvent(event: Record<string, unknown>, item: number, config: OutcomeFeedbackConfig): ItemResult {
  const header = headerSchema.safeParse(event.ChangeEventHeader);
  if (!header.success) return { skip: { item, kind: "malformed", reason: `ChangeEventHeader: ${issuesText(header.error.issues)}` } };
  const { entityName, recordIds, changeType, changedFields, commitTimestamp } = header.data;
  if (changeType !== "CREATE" && changeType !== "UPDATE") {
    return { skip: { item, kind: "ignored", reason: `${entityName} ${changeType} carries no status change` } };
  }
  // Enriched fields ride along unchanged on updates: only a Status in changedFields is news.
  const status = typeof event.Status === "string" ? event.Status : undefined;
  if (status === undefined || (changeType === "UPDATE" && changedFields && !changedFields.includes("Status"))) {
    return { skip: { item, kind: "ignored", reason: `${entityName} ${changeType} did not change Status` } };
  }
  const outcome = outcomeFor(status, salesforceDefaultValues, config.values);
  if (!outcome) return { skip: { item, kind: "ignored", reason: `Status = '${status}' is not an outcome` } };
  const email = emailText(event.Email);
  return {
    reports: recordIds
      .filter((id) => !id.endsWith("*"))
      .map((recordId) => ({
        item,
        outcome,
        occurredAt: epochMs(commitTimestamp),
        keys: { crm: { type: "salesforce" as const, recordId }, email },
        read: `${entityName} ${recordId} ${changeType}: Status = ${status}`,
      })),
  };
}

function readFlatEvent(event: Record<string, unknown>, item: number, config: OutcomeFeedbackConfig): ItemResult {
  const parsed = flatSchema.safeParse(event);
  if (!parsed.success) {
    return { skip: { item, kind: "malformed", reason: `neither a change event nor a status event (${issuesText(parsed.error.issues)})` } };
  }
  const e = parsed.data;
  const status = e.Status__c ?? e.status ?? "";
  const outcome = outcomeFor(status, salesforceDefaultValues, config.values);
  if (!outcome) return { skip: { item, kind: "ignored", reason: `status '${status}' is not an outcome` } };
  const recordId = idText(e.LeadId__c ?? e.RecordId__c ?? e.recordId);
  const email = emailText(e.Email__c ?? e.email);
  return {
    reports: [
      {
        item,
        outcome,
        occurredAt: epochMs(e.occurredAt ?? e.CreatedDate),
        keys: { crm: recordId ? { type: "salesforce", recordId } : undefined, email },
        read: `${recordId ? `record ${recordId}` : `email ${email}`}: status = ${status}`,
      },
    ],
  };
}
