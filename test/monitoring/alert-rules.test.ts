import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { refreshConfig } from "../../src/config/store";
import { createDb } from "../../src/db/client";
import { deliveries } from "../../src/db/schema";
import { checkAlertRules } from "../../src/monitoring/alert-rules";
import { privateFake } from "../connectors/fixtures";
import type { FakeHandle } from "../fakes/client";
import { configure, post, standardSecret } from "../helpers";

let slack: FakeHandle;

beforeAll(async () => {
  slack = await privateFake("slack");
  await configure({
    sources: [
      { id: "forms", provider: "standard-webhooks", secrets: [standardSecret] },
      { id: "hot", provider: "standard-webhooks", secrets: [standardSecret], shards: 3 },
    ],
    destinations: [{ id: "ops", type: "slack", url: slack.url }],
    settings: {
      alertDestination: "ops",
      alerts: { verificationFailures: { threshold: 3, windowMinutes: 5 }, deadLetters: { threshold: 2, windowMinutes: 15 } },
    },
  });
});

const texts = async () => (await slack.records<{ text: string }[]>()).map((r) => r.text);

describe("threshold alerts", () => {
  it("alert once per window when verification failures reach the threshold", async () => {
    const config = await refreshConfig(env, 0);
    for (const source of ["forms", "forms", "hot"]) {
      expect((await post(`/in/${source}`, "{}", { "content-type": "application/json", "webhook-id": "x" })).status).toBe(401);
    }
    // The count is written after the response (waitUntil).
    await vi.waitFor(async () => {
      const forms = await env.SOURCE_INBOX.getByName("forms").rejectionsSince(Date.now() - 60_000);
      expect(forms).toEqual({ signature_missing: 2 });
    });
    await vi.waitFor(async () => {
      expect(await env.SOURCE_INBOX.getByName("hot#0").rejectionsSince(Date.now() - 60_000)).toEqual({ signature_missing: 1 });
    });

    expect(await checkAlertRules(env, createDb(env.DB), config)).toEqual(["verificationFailures"]);
    expect((await texts()).at(-1)).toContain("3 requests failed verification (forms: 2, hot: 1)");
    // Still over the threshold, but this window was already reported.
    expect(await checkAlertRules(env, createDb(env.DB), config)).toEqual([]);
    expect(await texts()).toHaveLength(1);
  });

  it("alerts on dead letters (out of attempts or refused for good) over the threshold, and not below it", async () => {
    const config = await refreshConfig(env, 0);
    const now = Date.now();
    const dead = (n: number, status: "dead" | "failed" = "dead") => ({
      id: `evt_00000000000000000000000009:${n}`,
      eventId: "evt_00000000000000000000000009",
      destinationId: "hubspot",
      action: "upsert" as const,
      status,
      attempts: 8,
      payload: "{}",
      nextAttemptAt: now,
      createdAt: now,
      updatedAt: now,
    });
    const db = createDb(env.DB);
    await db.insert(deliveries).values(dead(0));
    expect(await checkAlertRules(env, createDb(env.DB), config)).toEqual([]);
    await db.insert(deliveries).values(dead(1, "failed"));
    expect(await checkAlertRules(env, createDb(env.DB), config)).toEqual(["deadLetters"]);
    expect((await texts()).at(-1)).toContain("2 deliveries refused or out of attempts in the last 15 min (threshold 2)");
  });
});
