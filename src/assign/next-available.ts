import type { OwnerConfig } from "../config/owners-schema";
import { minutesOf } from "../config/owners-schema";
import type { PoolConfig } from "../config/schema";
import type { RuntimeAway } from "../db/owner-away";
import { awayPeriods, localTime } from "./availability";

const minuteMs = 60_000;
const dayMs = 86_400_000;
/** Away periods and working days to step over; a year of single days off stays below. */
const maxSteps = 1_000;

/**
 * The first moment at or after `nowMs` when a member of `pool` can take a lead,
 * from the owners' configuration and runtime time away: the end of an away period
 * or the start of working hours (in a `working_hours` pool). Paused members never
 * count; daily caps are not known here (the owner pool keeps the counts), so a held
 * lead woken for a capped member is simply held again. Undefined when nobody ever
 * becomes available (every member paused, or no working hours at all).
 */
export function nextAvailableAt(pool: PoolConfig, owners: readonly OwnerConfig[], runtimeAway: readonly RuntimeAway[], nowMs: number): number | undefined {
  const byId = new Map(owners.map((owner) => [owner.id, owner]));
  let first: number | undefined;
  for (const member of pool.members) {
    if (member.paused) continue;
    const mine = runtimeAway.filter((away) => away.ownerId === member.ownerId);
    const at = ownerAvailableFrom(byId.get(member.ownerId), mine, nowMs, pool.availability === "working_hours");
    if (at !== undefined && (first === undefined || at < first)) first = at;
  }
  return first;
}

/** When one owner can next take a lead: outside every away period, and inside working hours when they count. */
export function ownerAvailableFrom(
  owner: OwnerConfig | undefined,
  runtimeAway: readonly RuntimeAway[],
  nowMs: number,
  workingHours: boolean,
): number | undefined {
  const periods = awayPeriods(owner?.away ?? [], runtimeAway);
  let cursor = nowMs;
  for (let step = 0; step < maxSteps; step++) {
    const away = periods.filter((period) => period.fromMs <= cursor && cursor < period.untilMs);
    if (away.length > 0) {
      cursor = Math.max(...away.map((period) => period.untilMs));
      continue;
    }
    if (!workingHours || !owner?.workingHours) return cursor;
    const start = workingFrom(owner, cursor);
    if (start === undefined || start === cursor) return start;
    cursor = start;
  }
  return undefined;
}

/** `cursor` if it is inside the owner's working hours, else the start of their next range (within a week). */
function workingFrom(owner: OwnerConfig, from: number): number | undefined {
  const hours = owner.workingHours ?? {};
  let cursor = from;
  // Eight local days: today's rest, the week after, and a day for a DST shift.
  for (let day = 0; day <= 8; day++) {
    const local = localTime(owner.timeZone, cursor);
    const msOfDay = local.minutes * minuteMs + (cursor % minuteMs);
    const ranges = (hours[local.weekday] ?? []).map((range) => [minutesOf(range.slice(0, 5)) * minuteMs, minutesOf(range.slice(6)) * minuteMs] as const);
    if (ranges.some(([start, end]) => start <= msOfDay && msOfDay < end)) return cursor;
    const next = ranges.filter(([start]) => start > msOfDay).sort((a, b) => a[0] - b[0])[0];
    if (next) return cursor + next[0] - msOfDay;
    cursor += dayMs - msOfDay;
  }
  return undefined;
}
