import { describe, expect, it } from "vitest";
import { slaDueAt } from "../../src/assign/sla-deadline";
import { ownerSchema } from "../../src/config/owners-schema";

const minute = 60_000;
const berlin = ownerSchema.parse({
  id: "101",
  timeZone: "Europe/Berlin",
  workingHours: { mon: ["09:00-12:00", "13:00-17:00"], tue: ["09:00-17:00"], wed: ["09:00-17:00"], thu: ["09:00-17:00"], fri: ["09:00-17:00"] },
});

describe("slaDueAt", () => {
  it("counts every hour unless asked for working hours", () => {
    const start = Date.parse("2026-12-05T10:00:00Z"); // a Saturday
    expect(slaDueAt(start, 15 * minute, berlin, false)).toBe(start + 15 * minute);
    expect(slaDueAt(start, 15 * minute, undefined, true)).toBe(start + 15 * minute);
  });

  it("counts within a working range", () => {
    // Monday 09:30 Berlin (08:30 UTC) + 15 min.
    expect(slaDueAt(Date.parse("2026-12-07T08:30:00Z"), 15 * minute, berlin, true)).toBe(Date.parse("2026-12-07T08:45:00Z"));
  });

  it("skips the lunch break, the night and the weekend", () => {
    // Monday 11:50 Berlin: 10 min before lunch, 5 min after it.
    expect(slaDueAt(Date.parse("2026-12-07T10:50:00Z"), 15 * minute, berlin, true)).toBe(Date.parse("2026-12-07T12:05:00Z"));
    // Friday 16:55 Berlin: 5 min on Friday, 10 min on Monday from 09:00.
    expect(slaDueAt(Date.parse("2026-12-11T15:55:00Z"), 15 * minute, berlin, true)).toBe(Date.parse("2026-12-14T08:10:00Z"));
    // Saturday: the clock starts on Monday at 09:00 Berlin.
    expect(slaDueAt(Date.parse("2026-12-12T10:00:00Z"), 15 * minute, berlin, true)).toBe(Date.parse("2026-12-14T08:15:00Z"));
  });

  it("keeps seconds", () => {
    expect(slaDueAt(Date.parse("2026-12-07T08:30:20Z"), 8_000, berlin, true)).toBe(Date.parse("2026-12-07T08:30:28Z"));
  });

  it("ends even for an owner who never works", () => {
    const never = ownerSchema.parse({ id: "x", timeZone: "UTC", workingHours: {} });
    const start = Date.parse("2026-12-07T08:30:00Z");
    expect(slaDueAt(start, minute, never, true)).toBe(start + minute);
  });
});
