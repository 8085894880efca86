import { z } from "zod";
import { type OutcomeFeedbackConfig, outcomeNames } from "../../config/schema";
import type { OutcomeReport, ParsedOutcomes, SkippedItem } from "../types";
import { epochMs } from "../values";
import { issuesText, itemsOf } from "./items";

/**
 * A report in Switchboard's own shape, for CRMs without a format here (or a
 * workflow that posts one): name the lead by `leadId`, `eventId` or `email`, say
 * the outcome by its name. `occurredAt` is ISO 8601 or epoch ms.
 */
export const genericReportSchema = z
  .object({
    leadId: z.string().min(1).max(100).optional(),
    eventId: z.string().min(1).max(100).optional(),
    email: z.email().max(320).optional(),
    outcome: z.enum(outcomeNames),
    occurredAt: z.union([z.iso.datetime({ offset: true }), z.number().int().positive()]).optional(),
  })
  .refine((report) => report.leadId !== undefined || report.eventId !== undefined || report.email !== undefined, {
    message: "name the lead: leadId, eventId or email",
  });

/** One object, a list, or `{ "outcomes": [...] }`. `values` does not apply: outcomes come by name. */
export function parseGeneric(payload: unknown, _config: OutcomeFeedbackConfig): ParsedOutcomes {
  const items = itemsOf(payload, "outcomes");
  if (!items) return { ok: false, reason: "Expected a JSON object, a list of them, or { outcomes: [...] }." };
  const reports: OutcomeReport[] = [];
  const skipped: SkippedItem[] = [];
  items.forEach((raw, item) => {
    const parsed = genericReportSchema.safeParse(raw);
    if (!parsed.success) {
      skipped.push({ item, kind: "malformed", reason: issuesText(parsed.error.issues) });
      return;
    }
    const { leadId, eventId, email, outcome, occurredAt } = parsed.data;
    const keys = { leadId, eventId, email: email?.trim().toLowerCase() };
    const named = [leadId && `leadId ${leadId}`, eventId && `eventId ${eventId}`, keys.email && `email ${keys.email}`].filter(Boolean).join(", ");
    reports.push({ item, outcome, occurredAt: epochMs(occurredAt), keys, read: `${outcome} for ${named}` });
  });
  return { ok: true, reports, skipped };
}
