import { minutesOf, type OwnerConfig } from "../config/owners-schema";
import { localTime } from "./availability";

const minuteMs = 60_000;
const dayMs = 86_400_000;
/** More steps than a year of days with two ranges each: a week without hours stops here. */
const maxSteps = 1_000;

/**
 * When an SLA started at `startMs` runs out. With `workingHoursOnly`, only the
 * owner's working hours count (LeadAngel's rule): a 15-minute SLA started at 16:55
 * on a Friday ends at 09:10 on Monday. Without working hours (or without an owner
 * entry) every hour counts.
 */
export function slaDueAt(startMs: number, withinMs: number, owner: OwnerConfig | undefined, workingHoursOnly: boolean): number {
  const hours = owner?.workingHours;
  if (!workingHoursOnly || !owner || !hours) return startMs + withinMs;
  let cursor = startMs;
  let remaining = withinMs;
  for (let step = 0; step < maxSteps; step++) {
    const local = localTime(owner.timeZone, cursor);
    const msOfDay = local.minutes * minuteMs + (cursor % minuteMs);
    const ranges = (hours[local.weekday] ?? []).map((range) => [minutesOf(range.slice(0, 5)) * minuteMs, minutesOf(range.slice(6)) * minuteMs] as const);
    const inside = ranges.find(([from, to]) => from <= msOfDay && msOfDay < to);
    if (inside) {
      const left = inside[1] - msOfDay;
      if (remaining <= left) return cursor + remaining;
      remaining -= left;
      cursor += left;
      continue;
    }
    const next = ranges.filter(([from]) => from > msOfDay).sort((a, b) => a[0] - b[0])[0];
    cursor += next ? next[0] - msOfDay : dayMs - msOfDay;
  }
  // No working hours within reach: count every hour rather than never.
  return startMs + withinMs;
}
