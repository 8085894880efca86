import { describe, expect, it } from "vitest";
import { momentFromForm, wallClockToMs } from "../../src/lib/zoned-time";

describe("a wall clock in a time zone", () => {
  it("reads Berlin, New York and Tokyo clocks as their UTC moments, summer and winter", () => {
    expect(wallClockToMs("2026-12-07T09:30", "Europe/Berlin")).toBe(Date.parse("2026-12-07T08:30:00Z"));
    expect(wallClockToMs("2026-07-07T09:30", "Europe/Berlin")).toBe(Date.parse("2026-07-07T07:30:00Z"));
    expect(wallClockToMs("2026-12-07T09:30", "America/New_York")).toBe(Date.parse("2026-12-07T14:30:00Z"));
    expect(wallClockToMs("2026-12-08 09:30:15", "Asia/Tokyo")).toBe(Date.parse("2026-12-08T00:30:15Z"));
    expect(wallClockToMs("2026-12-07T09:30", "UTC")).toBe(Date.parse("2026-12-07T09:30:00Z"));
  });

  it("reads clocks on the days the offset changes", () => {
    // Berlin: 2026-03-29 02:00 → 03:00 (spring), 2026-10-25 03:00 → 02:00 (autumn).
    expect(wallClockToMs("2026-03-29T10:00", "Europe/Berlin")).toBe(Date.parse("2026-03-29T08:00:00Z"));
    expect(wallClockToMs("2026-10-25T10:00", "Europe/Berlin")).toBe(Date.parse("2026-10-25T09:00:00Z"));
    expect(wallClockToMs("2026-10-25T02:30", "Europe/Berlin")).toBe(Date.parse("2026-10-25T00:30:00Z"));
    expect(wallClockToMs("2026-03-29T02:30", "Europe/Berlin")).toBe(Date.parse("2026-03-29T01:30:00Z"));
  });

  it("refuses what is not a wall clock", () => {
    expect(wallClockToMs("Monday 9am", "UTC")).toBeUndefined();
    expect(wallClockToMs("2026-12-07", "UTC")).toBeUndefined();
  });
});

describe("a moment typed in a form", () => {
  it("takes ISO text with an offset as it is, whatever the zone", () => {
    expect(momentFromForm("2026-12-07T08:30:00Z", "Asia/Tokyo")).toEqual({ ok: true, ms: Date.parse("2026-12-07T08:30:00Z") });
    expect(momentFromForm(" 2026-12-07T09:30+01:00 ", "UTC")).toEqual({ ok: true, ms: Date.parse("2026-12-07T08:30:00Z") });
  });

  it("reads a wall clock in the zone, and says what is wrong otherwise", () => {
    expect(momentFromForm("2026-12-07T09:30", "Europe/Berlin")).toEqual({ ok: true, ms: Date.parse("2026-12-07T08:30:00Z") });
    expect(momentFromForm("2026-12-07T09:30", "Mars/Olympus")).toEqual({ ok: false, message: expect.stringContaining("not an IANA time zone") });
    expect(momentFromForm("next monday", "UTC")).toEqual({ ok: false, message: expect.stringContaining("neither YYYY-MM-DDTHH:MM nor ISO 8601") });
  });
});
