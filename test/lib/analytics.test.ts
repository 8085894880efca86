import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { writeAttemptPoint, writeEventPoint } from "../../src/lib/analytics";

const event = { eventId: "evt_1", sourceId: "typeform", status: "routed", routeId: "hot", ownerId: "101", deliveries: 2 };

describe("Analytics Engine data points", () => {
  it("has the ANALYTICS binding from wrangler.toml locally, and it takes a data point", () => {
    expect(typeof env.ANALYTICS?.writeDataPoint).toBe("function");
    expect(() => writeEventPoint(env, event)).not.toThrow();
  });

  it("writes the documented columns: kind first, index = source or destination", () => {
    const writeDataPoint = vi.fn();
    const dataset = { writeDataPoint } as unknown as AnalyticsEngineDataset;
    writeEventPoint({ ANALYTICS: dataset }, event);
    writeAttemptPoint(
      { ANALYTICS: dataset },
      { deliveryId: "evt_1:0", eventId: "evt_1", destinationId: "hubspot", outcome: "retryable", httpStatus: 503, attempt: 2, latencyMs: 120 },
    );
    expect(writeDataPoint.mock.calls).toEqual([
      [{ indexes: ["typeform"], blobs: ["event", "typeform", "routed", "hot", "101", "", "evt_1"], doubles: [1, 2] }],
      [{ indexes: ["hubspot"], blobs: ["attempt", "hubspot", "retryable", "503", "evt_1", "evt_1:0"], doubles: [1, 120, 2] }],
    ]);
  });

  it("writes nothing and throws nothing without the binding", () => {
    expect(() => writeEventPoint({}, event)).not.toThrow();
  });

  it("never lets a refused data point reach the caller", () => {
    const dataset = {
      writeDataPoint: () => {
        throw new Error("over the data point limit");
      },
    } as unknown as AnalyticsEngineDataset;
    expect(() => writeEventPoint({ ANALYTICS: dataset }, event)).not.toThrow();
  });
});
