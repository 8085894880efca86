/**
 * Durations in configurations: a whole number and a unit, `90s`, `15m`, `4h`, `2d`.
 * Spelled out rather than in milliseconds because operators read them.
 */
const units = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export const durationPattern = /^([1-9]\d{0,5})(s|m|h|d)$/;

/** Milliseconds of a duration matching `durationPattern`, else undefined. */
export function durationMs(text: string): number | undefined {
  const match = durationPattern.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * units[match[2] as keyof typeof units];
}
