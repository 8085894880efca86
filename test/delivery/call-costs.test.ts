import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { DestinationConfig } from "../../src/config/schema";
import { costOf, searchRates } from "../../src/delivery/call-costs";
import { TokenBucket } from "../../src/inbox/token-bucket";
import { delivery } from "../connectors/fixtures";

const pipedrive = { id: "p", type: "pipedrive", apiToken: "t", baseUrl: "https://x.pipedrive.com", timeoutMs: 1000, maxAttempts: 3 } as DestinationConfig;

describe("call costs", () => {
  it("counts a Pipedrive delivery as four calls and a search, three without the search once the person is known", () => {
    expect(costOf(pipedrive, [delivery()])).toEqual({ calls: 4, searches: 1 });
    expect(costOf(pipedrive, [delivery({}, { records: { person: "7" } })])).toEqual({ calls: 3, searches: 0 });
  });

  it("counts a Salesforce batch of up to 200 leads as one call (sObject Collections)", () => {
    const salesforce = { id: "s", type: "salesforce", instanceUrl: "https://x.my.salesforce.com", accessToken: "t", externalIdField: "Email__c" };
    const batch = Array.from({ length: 200 }, (_, i) => delivery({ email: `lead${i}@example.com` }));
    expect(costOf(salesforce as DestinationConfig, batch)).toEqual({ calls: 1, searches: 0 });
  });

  it("keeps Pipedrive's searches within 10 per 2 s from a full bucket", () => {
    const rate = searchRates.pipedrive;
    if (!rate) throw new Error("no search rate for pipedrive");
    const bucket = new TokenBucket(rate.perSecond, rate.burst, 0);
    let taken = 0;
    for (let ms = 0; ms < 2000; ms += 10) if (bucket.take(ms) === 0) taken++;
    expect(taken).toBeLessThanOrEqual(10);
  });
});

describe("token bucket", () => {
  it("takes several tokens at once, and a count above the burst takes the whole burst", () => {
    const bucket = new TokenBucket(1, 4, 0);
    expect(bucket.take(0, 3)).toBe(0);
    expect(bucket.take(0, 3)).toBe(2);
    expect(bucket.take(4000, 9)).toBe(0);
  });

  it("gives callers who must wait their own places in line", () => {
    const bucket = new TokenBucket(1, 2, 0);
    expect(bucket.reserve(0, 2)).toBe(0);
    expect(bucket.reserve(0, 1)).toBe(1);
    expect(bucket.reserve(0, 1)).toBe(2);
    // Not reserved when the wait is longer than allowed; the line stays as it was.
    expect(bucket.reserve(0, 1, 2.5)).toBe(3);
    expect(bucket.reserve(0, 1)).toBe(3);
    expect(bucket.take(4000)).toBe(0);
  });

  it("hands out nothing while paused, then starts empty", () => {
    const bucket = new TokenBucket(2, 4, 0);
    bucket.pause(0, 10_000);
    expect(bucket.take(5000)).toBe(5);
    expect(bucket.take(10_000)).toBe(0.5);
    expect(bucket.take(10_500)).toBe(0);
  });
});

describe("destination limiter", () => {
  it("keeps a waiting caller's reservation under its key instead of queueing it again", async () => {
    const limiter = env.DESTINATION_LIMITER.getByName("reservations-test");
    expect(await limiter.take(1, 1, 1, "dlv_1")).toBe(0);
    const second = await limiter.take(1, 1, 1, "dlv_2");
    expect(second).toBeGreaterThan(0);
    expect(second).toBeLessThanOrEqual(1);
    // Asking again is not a new place in line: the third caller still comes after it.
    expect(await limiter.take(1, 1, 1, "dlv_2")).toBeLessThanOrEqual(1);
    expect(await limiter.take(1, 1, 1, "dlv_3")).toBeGreaterThan(1);
  });
});
