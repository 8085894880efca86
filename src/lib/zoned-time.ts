/**
 * Moments typed by a person: a wall clock (`2026-12-07T09:30`, what an HTML
 * datetime-local field sends) read in an IANA time zone, or ISO 8601 text with its
 * own offset. The console's forms take both; the API takes only ISO text.
 */

const wallClock = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/;
const withOffset = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/i;

/** How far `timeZone`'s clock is ahead of UTC at `ms`, in milliseconds. */
function offsetAt(timeZone: string, ms: number): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    })
      .formatToParts(new Date(ms))
      .map((part) => [part.type, Number(part.value)]),
  );
  const local = Date.UTC(parts.year ?? 1970, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0);
  return local - Math.floor(ms / 1000) * 1000;
}

/** The next midnight in `timeZone` after `nowMs`, as epoch milliseconds. */
export function nextMidnight(nowMs: number, timeZone: string): number {
  const local = new Date(nowMs + offsetAt(timeZone, nowMs));
  // Midnight of the next local day, first read as if it were UTC, then moved by the
  // zone's offset at that moment (twice: the offset may change at the boundary).
  const naive = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() + 1);
  const guess = naive - offsetAt(timeZone, naive);
  return naive - offsetAt(timeZone, guess);
}

/**
 * The UTC moment of a wall clock in `timeZone`. In an hour a DST change repeats it is
 * the first of the two; in an hour it skips, the clock is read with the offset from
 * before the change (02:30 on a spring-forward night is 03:30 after it).
 */
export function wallClockToMs(text: string, timeZone: string): number | undefined {
  const match = wallClock.exec(text.trim());
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, Number.isNaN(s) ? 0 : s);
  if (Number.isNaN(asUtc)) return undefined;
  // Offsets change at most once around a given day: the clock is read with one of these two.
  const before = offsetAt(timeZone, asUtc - 86_400_000);
  const after = offsetAt(timeZone, asUtc + 86_400_000);
  const readings = [asUtc - before, asUtc - after].filter((ms, i) => offsetAt(timeZone, ms) === (i === 0 ? before : after));
  return readings.length > 0 ? Math.min(...readings) : asUtc - before;
}

export type MomentInput = { ok: true; ms: number } | { ok: false; message: string };

/** A moment from a form: ISO text with an offset as it is, a wall clock in `timeZone` (an IANA zone). */
export function momentFromForm(text: string, timeZone: string): MomentInput {
  const value = text.trim();
  if (withOffset.test(value)) {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? { ok: false, message: `'${value}' is not a date and time` } : { ok: true, ms };
  }
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
  } catch {
    return { ok: false, message: `'${timeZone}' is not an IANA time zone (e.g. Europe/Berlin, UTC)` };
  }
  const ms = wallClockToMs(value, timeZone);
  return ms === undefined
    ? { ok: false, message: `'${value}' is neither YYYY-MM-DDTHH:MM nor ISO 8601 with an offset (2026-12-07T08:30:00Z)` }
    : { ok: true, ms };
}
