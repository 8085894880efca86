import { z } from "zod";

/**
 * A lead: what a source's mapping produces from a payload, after normalization.
 * Routing rules, matching and every connector read this shape and nothing else.
 */
export const leadSchema = z.object({
  /** Lower-cased and trimmed. */
  email: z.email().optional(),
  /** E.164, e.g. +14155550100. */
  phone: z
    .string()
    .regex(/^\+[1-9]\d{6,14}$/)
    .optional(),
  firstName: z.string().max(200).optional(),
  lastName: z.string().max(200).optional(),
  company: z.string().max(300).optional(),
  /** Company domain: from `website`/`domain`, else from a non-free-mail email. Lower-case, no www. */
  domain: z.string().max(253).optional(),
  /** ISO 3166-1 alpha-2, upper-case. */
  country: z.string().length(2).optional(),
  industry: z.string().max(200).optional(),
  employees: z.number().int().nonnegative().optional(),
  score: z.number().finite().optional(),
  /** Any other mapped field, kept as mapped. */
  custom: z.record(z.string(), z.unknown()).default({}),
});
export type Lead = z.infer<typeof leadSchema>;

/** The lead fields a mapping may set directly; anything else lands in `custom`. */
export const leadFields = ["email", "phone", "firstName", "lastName", "company", "domain", "website", "country", "industry", "employees", "score"] as const;
