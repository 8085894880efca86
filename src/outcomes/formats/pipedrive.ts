import { z } from "zod";
import type { OutcomeFeedbackConfig, OutcomeName } from "../../config/schema";
import type { OutcomeReport, ParsedOutcomes, ReportKeys, SkippedItem } from "../types";
import { emailText, epochMs, idText, outcomeFor, type ValueMap } from "../values";
import { isRecord, issuesText, itemsOf } from "./items";

/**
 * Default meaning of what a Pipedrive webhook says: a deal's `status` becoming
 * `won` or `lost`. Pipeline stages and labels are each account's own ids, so they
 * have no defaults: operators map them with `values` as `stage:<stage_id>` (e.g.
 * `"stage:3": "meeting_booked"`) and `label:<label id>`.
 */
export const pipedriveDefaultValues: ValueMap = { won: "won", lost: "lost" };

/**
 * Webhooks v2: `{ meta: { action: "create"|"change"|"delete", entity, entity_id,
 * timestamp, version: "2.0", … }, data, previous }`; v1 is also read: `{ meta: {
 * action: "added"|"updated"|…, object, id, timestamp }, current, previous }`.
 */
const webhookSchema = z.object({
  meta: z.object({
    action: z.string(),
    entity: z.string().optional(),
    object: z.string().optional(),
    entity_id: z.union([z.string(), z.number()]).optional(),
    id: z.union([z.string(), z.number()]).optional(),
    timestamp: z.union([z.string(), z.number()]).optional(),
  }),
  data: z.record(z.string(), z.unknown()).nullish(),
  current: z.record(z.string(), z.unknown()).nullish(),
  previous: z.record(z.string(), z.unknown()).nullish(),
});

type Fields = Record<string, unknown>;

export function parsePipedrive(payload: unknown, config: OutcomeFeedbackConfig): ParsedOutcomes {
  const items = itemsOf(payload);
  if (!items) return { ok: false, reason: "Expected a Pipedrive webhook body (a JSON object with meta and data)." };
  const reports: OutcomeReport[] = [];
  const skipped: SkippedItem[] = [];
  items.forEach((raw, item) => {
    const parsed = webhookSchema.safeParse(raw);
    if (!parsed.success) {
      skipped.push({ item, kind: "malformed", reason: `not a Pipedrive webhook (${issuesText(parsed.error.issues)})` });
      return;
    }
    const { meta, previous } = parsed.data;
    const entity = (meta.entity ?? meta.object ?? "").replace(/s$/, "");
    const data = parsed.data.data ?? parsed.data.current;
    if (meta.action === "delete" || meta.action === "deleted" || !data) {
      skipped.push({ item, kind: "ignored", reason: `${entity} ${meta.action} carries no outcome` });
      return;
    }
    const keys = keysOf(entity, data, meta.entity_id ?? meta.id);
    if (!keys) {
      skipped.push({ item, kind: "ignored", reason: `${entity} changes are not read (deal, lead and person are)` });
      return;
    }
    const found = outcomesOf(entity, data, previous ?? undefined, config.values);
    if (found.length === 0) {
      skipped.push({
        item,
        kind: "ignored",
        reason: `${entity} ${idText(meta.entity_id ?? meta.id) ?? ""} ${meta.action}: no status, stage or label that is an outcome`,
      });
      return;
    }
    const at = epochMs(meta.timestamp) ?? epochMs(data.update_time);
    for (const { outcome, read } of found) {
      reports.push({ item, outcome, occurredAt: at, keys, read: `${entity} ${idText(meta.entity_id ?? meta.id) ?? "?"}: ${read}` });
    }
  });
  return { ok: true, reports, skipped };
}

/** Deals and leads name their person (the record our deliveries create); a person is one. */
function keysOf(entity: string, data: Fields, entityId: unknown): ReportKeys | undefined {
  if (entity === "person") {
    const recordId = idText(data.id ?? entityId);
    return { crm: recordId ? { type: "pipedrive", recordId } : undefined, email: personEmail(data) };
  }
  if (entity === "deal" || entity === "lead") {
    const person = isRecord(data.person_id) ? data.person_id.value : data.person_id;
    const recordId = idText(person);
    return { crm: recordId ? { type: "pipedrive", recordId } : undefined };
  }
  return undefined;
}

/** v2 `emails: [{ value, primary }]`, v1 `email: [{ value, primary }]`: the primary one, else the first. */
function personEmail(data: Fields): string | undefined {
  const list = Array.isArray(data.emails) ? data.emails : Array.isArray(data.email) ? data.email : [];
  const entries = list.filter(isRecord);
  const chosen = entries.find((e) => e.primary === true) ?? entries[0];
  return emailText(chosen?.value);
}

/**
 * What changed into an outcome. On a change, a field counts only when `previous`
 * shows it changed (v2's `previous` holds the changed fields' old values); when
 * there is no `previous` (a create) the current value counts.
 */
function outcomesOf(entity: string, data: Fields, previous: Fields | undefined, values: ValueMap | undefined): { outcome: OutcomeName; read: string }[] {
  const changed = (field: string) => !previous || (field in previous && previous[field] !== data[field]);
  const found: { outcome: OutcomeName; read: string }[] = [];
  const add = (key: string, read: string) => {
    const outcome = outcomeFor(key, entity === "deal" ? pipedriveDefaultValues : {}, values);
    if (outcome) found.push({ outcome, read });
  };
  if (entity === "deal" && typeof data.status === "string" && changed("status")) add(data.status, `status = ${data.status}`);
  const stage = idText(data.stage_id);
  if (entity === "deal" && stage && changed("stage_id")) add(`stage:${stage}`, `stage_id = ${stage}`);
  const before = new Set(labelIds(previous));
  const labelsChanged = !previous || "label_ids" in previous || "label" in previous;
  const fresh = labelsChanged ? labelIds(data).filter((id) => !before.has(id)) : [];
  for (const id of fresh) add(`label:${id}`, `label ${id}`);
  return found;
}

function labelIds(fields: Fields | undefined): string[] {
  if (!fields) return [];
  const list = Array.isArray(fields.label_ids) ? fields.label_ids : fields.label !== undefined && fields.label !== null ? [fields.label] : [];
  return list.map(idText).filter((id): id is string => id !== undefined);
}
