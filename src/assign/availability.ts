import { type AwayPeriod, minutesOf, type OwnerConfig, type Weekday, weekdays } from "../config/owners-schema";
import type { PoolConfig } from "../config/schema";
import type { RuntimeAway } from "../db/owner-away";

/**
 * Who can take a lead at a given moment: pure functions of the owners'
 * configuration, their runtime time away and the clock, so the simulator can ask
 * about any moment and tests need no clock.
 */

/** An owner's local calendar day and clock at one moment. */
export interface LocalTime {
  /** `YYYY-MM-DD` in the owner's zone: the day a daily cap counts in. */
  day: string;
  weekday: Weekday;
  /** Minutes since local midnight. */
  minutes: number;
  /** `Mon 09:30`, for the trace. */
  label: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      weekday: "short",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
    });
    // Zones come from validated configurations, so this stays small; the bound is a guard.
    if (formatters.size >= 500) formatters.clear();
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The local day, weekday and clock in `timeZone` at `nowMs`. */
export function localTime(timeZone: string, nowMs: number): LocalTime {
  const parts = Object.fromEntries(
    formatterFor(timeZone)
      .formatToParts(new Date(nowMs))
      .map((part) => [part.type, part.value]),
  );
  const weekday = (parts.weekday ?? "Mon").toLowerCase().slice(0, 3) as Weekday;
  const hour = parts.hour ?? "00";
  const minute = parts.minute ?? "00";
  return {
    day: `${parts.year}-${parts.month}-${parts.day}`,
    weekday: weekdays.includes(weekday) ? weekday : "mon",
    minutes: Number(hour) * 60 + Number(minute),
    label: `${(parts.weekday ?? "").slice(0, 3)} ${hour}:${minute}`,
  };
}

/** Why an owner cannot take a lead now, or undefined when they can. */
export function unavailableReason(
  owner: OwnerConfig,
  runtimeAway: readonly RuntimeAway[],
  nowMs: number,
  options: { workingHours: boolean },
): string | undefined {
  const away = currentAway(owner.away, runtimeAway, nowMs);
  if (away) return away;
  if (!options.workingHours || owner.workingHours === undefined) return undefined;
  const local = localTime(owner.timeZone, nowMs);
  const ranges = owner.workingHours[local.weekday] ?? [];
  const working = ranges.some((range) => minutesOf(range.slice(0, 5)) <= local.minutes && local.minutes < minutesOf(range.slice(6)));
  return working ? undefined : `outside working hours (${local.label} ${owner.timeZone})`;
}

/** Planned and runtime time away as one list of periods (a planned one without `from` has always begun). */
export function awayPeriods(
  planned: readonly AwayPeriod[],
  runtime: readonly RuntimeAway[],
): { fromMs: number; untilMs: number; reason?: string | undefined }[] {
  return [
    ...runtime.map((away) => ({ fromMs: away.fromMs, untilMs: away.untilMs, reason: away.reason })),
    ...planned.map((away) => ({ fromMs: away.from ? Date.parse(away.from) : Number.NEGATIVE_INFINITY, untilMs: Date.parse(away.until), reason: away.reason })),
  ];
}

function currentAway(planned: readonly AwayPeriod[], runtime: readonly RuntimeAway[], nowMs: number): string | undefined {
  const periods = awayPeriods(planned, runtime);
  const now = periods.find((away) => away.fromMs <= nowMs && nowMs < away.untilMs);
  if (!now) return undefined;
  const until = new Date(now.untilMs).toISOString().replace(":00.000Z", "Z").replace(".000Z", "Z");
  return `away until ${until}${now.reason ? ` (${now.reason})` : ""}`;
}

/** What the owner pool needs to know about the members of one pool at one moment. */
export interface PoolAvailability {
  /** Owner id → why they cannot take a lead now; owners not listed can. */
  unavailable: Record<string, string>;
  /** Owner id → the local day their daily cap counts in (UTC day when not listed). */
  capDays: Record<string, string>;
}

/**
 * Availability of the given owner ids at `nowMs`. Time away (planned or runtime)
 * counts in every pool; working hours only where the pool asks for them. Owners
 * without a configuration entry are always available, and count caps in UTC days.
 */
export function availabilityOf(
  ownerIds: readonly string[],
  owners: readonly OwnerConfig[],
  runtimeAway: readonly RuntimeAway[],
  nowMs: number,
  options: { workingHours: boolean },
): PoolAvailability {
  const byId = new Map(owners.map((owner) => [owner.id, owner]));
  const unavailable: Record<string, string> = {};
  const capDays: Record<string, string> = {};
  for (const ownerId of ownerIds) {
    const owner = byId.get(ownerId);
    const away = runtimeAway.filter((entry) => entry.ownerId === ownerId);
    const reason = owner ? unavailableReason(owner, away, nowMs, options) : currentAway([], away, nowMs);
    if (reason) unavailable[ownerId] = reason;
    if (owner) capDays[ownerId] = localTime(owner.timeZone, nowMs).day;
  }
  return { unavailable, capDays };
}

/** The availability of one pool's members and fallback owner at `nowMs`. */
export function poolAvailability(pool: PoolConfig, owners: readonly OwnerConfig[], runtimeAway: readonly RuntimeAway[], nowMs: number): PoolAvailability {
  const ids = pool.members.map((member) => member.ownerId);
  if (pool.fallbackOwnerId !== undefined) ids.push(pool.fallbackOwnerId);
  return availabilityOf(ids, owners, runtimeAway, nowMs, { workingHours: pool.availability === "working_hours" });
}
