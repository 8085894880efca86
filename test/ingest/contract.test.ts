import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { configureSources, eventsOf, flushInbox, post, postSigned, problemOf, standardSecret, standardWebhookHeaders } from "../helpers";

const lead = { type: "lead.created", data: { email: "ada@example.com", score: 91 } };

beforeAll(async () => {
  await configureSources(
    { id: "forms", provider: "standard-webhooks", secrets: [standardSecret] },
    { id: "small", provider: "standard-webhooks", secrets: [standardSecret], maxBodyBytes: 64 },
    { id: "slow", provider: "standard-webhooks", secrets: [standardSecret], rate: { perSecond: 0.5, burst: 2 } },
    { id: "off", provider: "standard-webhooks", secrets: [standardSecret], enabled: false },
    { id: "hashed", provider: "none", dedup: { by: "body-hash" } },
    { id: "by-path", provider: "none", dedup: { by: "json-path", path: "data.id" } },
    { id: "no-dedup", provider: "none", dedup: { by: "none" } },
  );
});

describe("POST /in/:sourceId", () => {
  it("accepts a verified webhook with 202 and stores it byte-exact in D1 after the flush", async () => {
    const body = `{"type":"lead.created",  "data":{"email":"ada@example.com"}}`;
    const response = await post("/in/forms", body, await standardWebhookHeaders(body, { id: "msg_accept_1" }));
    expect(response.status).toBe(202);
    const accepted = (await response.json()) as { id: string; status: string };
    expect(accepted).toEqual({ id: expect.stringMatching(/^evt_[0-9A-Z]{26}$/), status: "accepted" });

    expect(await flushInbox("forms")).toBe(true);
    const [row] = (await eventsOf("forms")).filter((e) => e.id === accepted.id);
    expect(row).toMatchObject({ sourceId: "forms", status: "queued", dedupKey: "d:msg_accept_1" });
    expect(new TextDecoder().decode(row?.body ?? undefined)).toBe(body);
    expect(JSON.parse(row?.verification ?? "{}")).toMatchObject({ provider: "standard-webhooks", secretIndex: 0 });
    expect(JSON.parse(row?.headers ?? "{}")).toMatchObject({ "webhook-id": "msg_accept_1" });
  });

  it("answers a redelivery with 200 duplicate and the first event's id, storing nothing new", async () => {
    const first = await postSigned("forms", lead, { id: "msg_dup_1" });
    const { id } = (await first.json()) as { id: string };
    // The provider re-signs a retry with a new timestamp; the delivery id stays.
    const again = await postSigned("forms", lead, { id: "msg_dup_1", timestamp: Math.floor(Date.now() / 1000) - 60 });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ id, status: "duplicate" });
    await flushInbox("forms");
    expect((await eventsOf("forms")).filter((e) => e.dedupKey === "d:msg_dup_1")).toHaveLength(1);
  });

  it("deduplicates by body hash and by a JSON path when the source says so", async () => {
    const a = await post("/in/hashed", JSON.stringify(lead), { "content-type": "application/json" });
    const b = await post("/in/hashed", JSON.stringify(lead), { "content-type": "application/json" });
    expect([a.status, b.status]).toEqual([202, 200]);

    const c = await post("/in/by-path", JSON.stringify({ data: { id: "L-1", n: 1 } }), { "content-type": "application/json" });
    const d = await post("/in/by-path", JSON.stringify({ data: { id: "L-1", n: 2 } }), { "content-type": "application/json" });
    const e = await post("/in/by-path", JSON.stringify({ data: { id: "L-2", n: 1 } }), { "content-type": "application/json" });
    expect([c.status, d.status, e.status]).toEqual([202, 200, 202]);

    const f = await post("/in/no-dedup", JSON.stringify(lead), { "content-type": "application/json" });
    const g = await post("/in/no-dedup", JSON.stringify(lead), { "content-type": "application/json" });
    expect([f.status, g.status]).toEqual([202, 202]);
  });

  it("404s an unknown or disabled source", async () => {
    for (const id of ["nope", "off"]) {
      const response = await postSigned(id, lead);
      expect(response.status).toBe(404);
      expect(await problemOf(response)).toMatchObject({ status: 404, code: "source_not_found" });
    }
  });

  it("413s a body over the source's limit, declared or streamed", async () => {
    const big = JSON.stringify({ padding: "x".repeat(100) });
    const declared = await post("/in/small", big, await standardWebhookHeaders(big));
    expect(declared.status).toBe(413);
    expect(await problemOf(declared)).toMatchObject({ code: "payload_too_large" });

    // No Content-Length: the limit is enforced while streaming.
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 4; i++) controller.enqueue(new TextEncoder().encode("x".repeat(30)));
        controller.close();
      },
    });
    const streamed = await post("/in/small", stream, await standardWebhookHeaders("x".repeat(120)));
    expect(streamed.status).toBe(413);
  });

  it("401s a missing, invalid or stale signature", async () => {
    const missing = await post("/in/forms", JSON.stringify(lead), { "content-type": "application/json" });
    expect(await problemOf(missing)).toMatchObject({ status: 401, code: "signature_missing" });

    const body = JSON.stringify(lead);
    const headers = await standardWebhookHeaders(body);
    const tampered = await post("/in/forms", body.replace("91", "99"), headers);
    expect(await problemOf(tampered)).toMatchObject({ status: 401, code: "signature_invalid" });

    const stale = await postSigned("forms", lead, { timestamp: Math.floor(Date.now() / 1000) - 3600 });
    expect(await problemOf(stale)).toMatchObject({ status: 401, code: "timestamp_out_of_tolerance" });
  });

  it("400s a verified body that is not the JSON the provider sends", async () => {
    const body = "{not json";
    const response = await post("/in/forms", body, await standardWebhookHeaders(body));
    expect(await problemOf(response)).toMatchObject({ status: 400, code: "body_unparseable" });
  });

  it("429s with Retry-After once a source spends its burst", async () => {
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 3; i++) {
      const response = await postSigned("slow", { ...lead, i });
      statuses.push(response.status);
      if (response.status === 429) limited = response;
    }
    expect(statuses).toEqual([202, 202, 429]);
    expect(Number(limited?.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await problemOf(limited as Response)).toMatchObject({ status: 429, code: "rate_limited" });
  });

  it("405s other methods and 404s other paths, as problems", async () => {
    const wrongMethod = await exports.default.fetch(new Request("https://gateway.test/in/forms"));
    expect(await problemOf(wrongMethod)).toMatchObject({ status: 405, code: "method_not_allowed" });
    const nowhere = await exports.default.fetch(new Request("https://gateway.test/elsewhere"));
    expect(await problemOf(nowhere)).toMatchObject({ status: 404, code: "not_found" });
  });

  it("puts the request id in every problem and one log line per request, with the caller's id beside it", async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, "warn").mockImplementation((line: string) => lines.push(line));
    const response = await post("/in/forms", "{}", { "content-type": "application/json", "x-request-id": "req_fixed" });
    spy.mockRestore();
    const requestId = response.headers.get("x-request-id");
    expect(requestId).toMatch(/^req_[0-9A-Z]{26}$/);
    expect(await problemOf(response)).toMatchObject({ instance: requestId });
    const logged = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "ingest");
    expect(logged).toEqual([
      expect.objectContaining({ requestId, callerRequestId: "req_fixed", sourceId: "forms", outcome: "signature_missing", status: 401 }),
    ]);
    expect(logged[0]).toHaveProperty("latencyMs");
  });

  it("stores the gateway's own request id with the event, never the caller's X-Request-Id", async () => {
    const body = '{"email":"request-id@example.com"}';
    const headers = { ...(await standardWebhookHeaders(body, { id: "msg_request_id" })), "x-request-id": "req_01CALLERCHOSE0000000000000" };
    const response = await post("/in/forms", body, headers);
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    const ours = response.headers.get("x-request-id");
    expect(ours).not.toBe("req_01CALLERCHOSE0000000000000");

    await flushInbox("forms");
    const [row] = (await eventsOf("forms")).filter((e) => e.id === id);
    expect(row?.requestId).toBe(ours);
  });
});
