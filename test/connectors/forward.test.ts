import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { HttpDestination } from "../../src/connectors/forward";
import { FORWARD_EVENT_TYPE, forwardDelivery } from "../../src/connectors/forward";
import type { FakeHandle } from "../fakes/client";
import type { ReceivedDelivery } from "../fakes/receiver";
import { delivery, options, privateFake } from "./fixtures";

let fake: FakeHandle;
let destination: HttpDestination;

beforeAll(async () => {
  fake = await privateFake("receiver");
});
beforeEach(async () => {
  await fake.reset();
  destination = { id: "crm-webhook", type: "http", url: fake.url, secret: fake.credentials.secret ?? "", timeoutMs: 2000, maxAttempts: 8 };
});

describe("forward (Standard Webhooks)", () => {
  it("is accepted by an independent Standard Webhooks verifier and carries the routed lead", async () => {
    const routed = delivery({ email: "jane@acme.example", score: 80 }, { ownerId: "101", routeId: "hot", properties: { tier: "gold" } });
    const outcome = await forwardDelivery(destination, routed, options);
    expect(outcome).toMatchObject({ ok: true, status: 200 });

    const [received] = await fake.records<ReceivedDelivery[]>();
    expect(received).toMatchObject({ verified: true, duplicate: false, webhookId: routed.deliveryId });
    expect(Math.abs(received!.timestamp - Date.now() / 1000)).toBeLessThan(60);
    expect(received?.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(JSON.parse(received!.body)).toEqual({
      type: FORWARD_EVENT_TYPE,
      timestamp: expect.any(String),
      data: {
        deliveryId: routed.deliveryId,
        eventId: routed.eventId,
        sourceId: "typeform-leads",
        routeId: "hot",
        ownerId: "101",
        lead: routed.lead,
        properties: { tier: "gold" },
      },
    });
  });

  it("keeps webhook-id across retries so the receiver can dedup", async () => {
    const routed = delivery();
    await forwardDelivery(destination, routed, options);
    await forwardDelivery(destination, routed, options);
    const received = await fake.records<ReceivedDelivery[]>();
    expect(received.map((r) => [r.webhookId, r.verified, r.duplicate])).toEqual([
      [routed.deliveryId, true, false],
      [routed.deliveryId, true, true],
    ]);
  });

  it("is rejected (401, permanent) when signed with another secret", async () => {
    const outcome = await forwardDelivery({ ...destination, secret: `whsec_${btoa("some-other-secret-value")}` }, delivery(), options);
    expect(outcome).toMatchObject({ ok: false, retryable: false, status: 401 });
    expect((await fake.records<ReceivedDelivery[]>())[0]).toMatchObject({ verified: false, reason: "no v1 signature matches" });
  });

  it("fails permanently without a request when the secret is not base64", async () => {
    expect(await forwardDelivery({ ...destination, secret: "whsec_%%%" }, delivery(), options)).toMatchObject({ ok: false, retryable: false });
    expect(await fake.requests()).toHaveLength(0);
  });

  it("retries 5xx, 429 with Retry-After and timeouts; refuses http:// unless allowed", async () => {
    await fake.fault([{ status: 503 }, { status: 429, retryAfter: 5 }, { delayMs: 1000 }]);
    expect(await forwardDelivery(destination, delivery(), options)).toMatchObject({ ok: false, retryable: true, status: 503 });
    expect(await forwardDelivery(destination, delivery(), options)).toMatchObject({ ok: false, retryable: true, retryAfterSeconds: 5 });
    expect(await forwardDelivery({ ...destination, timeoutMs: 150 }, delivery(), options)).toMatchObject({ ok: false, retryable: true });
    expect(await forwardDelivery(destination, delivery(), { allowHttp: false })).toMatchObject({ ok: false, retryable: false });
  });
});
