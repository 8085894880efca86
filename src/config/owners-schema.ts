import { z } from "zod";
import { timeZoneSchema } from "../lib/config-fields";

/**
 * Owners: who leads are assigned to, with the time zone they work in, their working
 * hours and planned time away. A pool member refers to an owner by `ownerId`; an
 * owner without an entry here is always available.
 */

export const weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof weekdays)[number];

const clock = "([01]\\d|2[0-3]):[0-5]\\d";
/** `HH:MM-HH:MM` in the owner's zone, start before end; `24:00` may end a day. */
const intervalSchema = z
  .string()
  .regex(new RegExp(`^${clock}-(${clock}|24:00)$`), "a time range HH:MM-HH:MM, e.g. 09:00-17:00")
  .refine(
    (range) => minutesOf(range.slice(0, 5)) < minutesOf(range.slice(6)),
    "the range must end after it starts (split ranges that cross midnight in two days)",
  );

/** Minutes since midnight of `HH:MM`. */
export function minutesOf(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

const instant = z.iso.datetime({ offset: true });

/** A period away: holidays, leave. `from` defaults to "already away". */
export const awaySchema = z
  .object({
    from: instant.optional(),
    until: instant,
    reason: z.string().max(200).optional(),
  })
  .refine((away) => away.from === undefined || Date.parse(away.from) < Date.parse(away.until), {
    message: "`until` must be after `from`",
    path: ["until"],
  });
export type AwayPeriod = z.infer<typeof awaySchema>;

export const ownerSchema = z.object({
  /** The owner's id in the CRM, as pool members name it. */
  id: z.string().min(1).max(100),
  name: z.string().max(200).optional(),
  /** IANA time zone of the working hours and of the daily cap's day (default UTC). */
  timeZone: timeZoneSchema.default("UTC"),
  /** Per weekday, the ranges worked; a day not listed is not worked. Absent: any time. */
  workingHours: z
    .strictObject(
      Object.fromEntries(weekdays.map((day) => [day, z.array(intervalSchema).max(8).optional()])) as Record<
        Weekday,
        z.ZodOptional<z.ZodArray<typeof intervalSchema>>
      >,
    )
    .optional(),
  away: z.array(awaySchema).max(100).default([]),
});
export type OwnerConfig = z.infer<typeof ownerSchema>;
