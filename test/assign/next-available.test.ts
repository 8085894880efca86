import { describe, expect, it } from "vitest";
import { nextAvailableAt } from "../../src/assign/next-available";
import { type OwnerConfig, ownerSchema } from "../../src/config/owners-schema";
import { type PoolInput, poolSchema } from "../../src/config/schema";

const weekdays = { mon: ["09:00-17:00"], tue: ["09:00-17:00"], wed: ["09:00-17:00"], thu: ["09:00-17:00"], fri: ["09:00-17:00"] };
const owners: OwnerConfig[] = [
  ownerSchema.parse({ id: "101", timeZone: "Europe/Berlin", workingHours: weekdays }),
  ownerSchema.parse({ id: "102", timeZone: "America/New_York", workingHours: weekdays }),
  ownerSchema.parse({ id: "103", timeZone: "Asia/Tokyo", workingHours: weekdays }),
];
const pool = (input: Partial<PoolInput> = {}) =>
  poolSchema.parse({
    id: "global",
    availability: "working_hours",
    whenNobodyAvailable: "hold",
    members: [{ ownerId: "101" }, { ownerId: "102" }, { ownerId: "103" }],
    ...input,
  });
const at = (iso: string) => Date.parse(iso);

describe("nextAvailableAt", () => {
  it("is now while a member works", () => {
    expect(nextAvailableAt(pool(), owners, [], at("2026-12-07T08:30:00Z"))).toBe(at("2026-12-07T08:30:00Z"));
  });

  it("is the next start of working hours in any member's zone", () => {
    // Monday 23:30 UTC: Tokyo starts Tuesday 09:00 = 00:00 UTC.
    expect(nextAvailableAt(pool(), owners, [], at("2026-12-07T23:30:00Z"))).toBe(at("2026-12-08T00:00:00Z"));
    // Saturday: Monday 09:00 Tokyo.
    expect(nextAvailableAt(pool(), owners, [], at("2026-12-12T12:00:00Z"))).toBe(at("2026-12-14T00:00:00Z"));
    // Across Berlin's change to summer time (29 March 2027): Monday 09:00 CEST = 07:00 UTC.
    const berlin = pool({ members: [{ ownerId: "101" }] });
    expect(nextAvailableAt(berlin, owners, [], at("2027-03-27T12:00:00Z"))).toBe(at("2027-03-29T07:00:00Z"));
  });

  it("waits out time away, planned and runtime, then working hours", () => {
    const berlin = pool({ members: [{ ownerId: "101" }] });
    const runtime = [{ ownerId: "101", fromMs: at("2026-12-01T00:00:00Z"), untilMs: at("2026-12-09T12:00:00Z") }];
    // Back Wednesday 13:00 Berlin, inside working hours.
    expect(nextAvailableAt(berlin, owners, runtime, at("2026-12-07T08:30:00Z"))).toBe(at("2026-12-09T12:00:00Z"));
    const holiday = [ownerSchema.parse({ ...owners[0], away: [{ until: "2026-12-12T00:00:00+01:00" }] })];
    // Back Saturday: the next working hour is Monday 09:00 Berlin.
    expect(nextAvailableAt(berlin, holiday, [], at("2026-12-07T08:30:00Z"))).toBe(at("2026-12-14T08:00:00Z"));
  });

  it("skips paused members and says when nobody will be available", () => {
    expect(nextAvailableAt(pool({ members: [{ ownerId: "101", paused: true }] }), owners, [], at("2026-12-07T08:30:00Z"))).toBeUndefined();
    const never = [ownerSchema.parse({ id: "104", workingHours: {} })];
    expect(nextAvailableAt(pool({ members: [{ ownerId: "104" }] }), never, [], at("2026-12-07T08:30:00Z"))).toBeUndefined();
  });

  it("counts only time away in an `always` pool, and owners without an entry are available", () => {
    const runtime = [{ ownerId: "101", fromMs: 0, untilMs: at("2026-12-12T20:00:00Z") }];
    expect(nextAvailableAt(pool({ availability: "always", members: [{ ownerId: "101" }] }), owners, runtime, at("2026-12-07T08:30:00Z"))).toBe(
      at("2026-12-12T20:00:00Z"),
    );
    expect(nextAvailableAt(pool({ members: [{ ownerId: "999" }] }), owners, [], at("2026-12-12T20:00:00Z"))).toBe(at("2026-12-12T20:00:00Z"));
  });
});
