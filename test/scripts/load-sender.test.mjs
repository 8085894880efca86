// The shared load sender (scripts/lib/load-sender.mjs) against a local Node server
// that answers as told: retries like a provider, pacing, the in-flight bound, the
// closed loop, duplicates after their originals, and the summary.
import assert from "node:assert/strict";
import http from "node:http";
import { after, before, describe, it } from "node:test";
import { loadSender, sendWebhook, summarize } from "../../scripts/lib/load-sender.mjs";

/** Answers by path: /ok → 202, /busy → 429 Retry-After 0 twice then 202, /hold → 202 after 50 ms. */
let server;
let base;
const seen = [];
let inFlight = 0;
let maxInFlight = 0;
let busy = 0;

before(async () => {
  server = http.createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      seen.push({ path: request.url, body, signature: request.headers["x-signature"], at: Date.now() });
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const answer = (status, headers = {}) => {
        inFlight -= 1;
        response.writeHead(status, { "content-type": "application/json", ...headers });
        response.end(JSON.stringify({ id: `evt-${body}` }));
      };
      if (request.url === "/busy" && busy < 2) {
        busy += 1;
        answer(429, { "retry-after": "0" });
      } else if (request.url === "/hold") setTimeout(() => answer(202), 50);
      else answer(202);
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(undefined)));
  base = `http://127.0.0.1:${/** @type {import("node:net").AddressInfo} */ (server.address()).port}`;
});
after(() => server.close());

let signed = 0;
const request = (key, path = "/ok", extra = {}) => ({
  key,
  build: () => ({ path, headers: { "x-signature": `sig-${(signed += 1)}` }, body: String(key) }),
  ...extra,
});

describe("load sender", () => {
  it("retries 429s like a provider, signing each attempt afresh", async () => {
    busy = 0;
    const outcome = await sendWebhook(base, request("r", "/busy"), { retry: true });
    assert.equal(outcome.status, 202);
    assert.deepEqual(
      outcome.attempts.map((a) => a.status),
      [429, 429, 202],
    );
    const signatures = seen.filter((s) => s.path === "/busy").map((s) => s.signature);
    assert.equal(new Set(signatures).size, 3);
  });

  it("without retry, a 429 is final", async () => {
    busy = 0;
    const outcome = await sendWebhook(base, request("n", "/busy"));
    assert.equal(outcome.status, 429);
    assert.equal(outcome.attempts.length, 1);
  });

  it("records a refused connection as an error, never a rejection", async () => {
    const closed = http.createServer();
    await new Promise((resolve) => closed.listen(0, "127.0.0.1", () => resolve(undefined)));
    const { port } = /** @type {import("node:net").AddressInfo} */ (closed.address());
    await new Promise((resolve) => closed.close(resolve));
    const outcome = await sendWebhook(`http://127.0.0.1:${port}`, request("x"));
    assert.equal(outcome.status, undefined);
    assert.match(outcome.error, /ECONNREFUSED/);
  });

  it("paces requests over the span and keeps in flight within maxInFlight", async () => {
    maxInFlight = 0;
    const sender = loadSender(base, { maxInFlight: 3 });
    const requests = Array.from({ length: 12 }, (_, i) => request(`p${i}`, "/hold"));
    const startAt = Date.now();
    await sender.paced(requests, { startAt, spanMs: 120 });
    await sender.settle();
    assert.equal(sender.outcomes.size, 12);
    assert.ok(maxInFlight <= 3, `at most 3 in flight, saw ${maxInFlight}`);
    // 12 requests of 50 ms through 3 slots cannot keep a 120 ms schedule: the lag shows it.
    assert.ok(sender.progress().maxLagMs > 0);
    assert.deepEqual(summarize(sender.outcomes.values()).byStatus, { 202: 12 });
  });

  it("runs a closed loop over the given connections, sending every request once", async () => {
    maxInFlight = 0;
    const sender = loadSender(base);
    const answers = [];
    const requests = Array.from({ length: 10 }, (_, i) => request(`c${i}`, "/hold"));
    await sender.closedLoop(requests, { connections: 2, onAnswer: (done, total) => answers.push(`${done}/${total}`) });
    assert.equal(sender.outcomes.size, 10);
    assert.ok(maxInFlight <= 2);
    assert.equal(answers.at(-1), "10/10");
  });

  it("sends a duplicate only after its original was answered, even when launched first", async () => {
    const sender = loadSender(base);
    const duplicate = sender.send(request("dup", "/ok", { originalKey: "orig" }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(sender.outcomes.has("dup"), false);
    await sender.send(request("orig", "/hold"));
    await duplicate;
    assert.ok(sender.outcomes.get("dup").sentAt >= sender.outcomes.get("orig").answeredAt);
  });

  it("summarizes statuses, errors and latencies", () => {
    const summary = summarize([
      { status: 202, sentAt: 0, answeredAt: 10 },
      { status: 202, sentAt: 0, answeredAt: 30 },
      { status: 401, sentAt: 0, answeredAt: 20 },
      { error: "ECONNRESET", sentAt: 0, answeredAt: 40 },
    ]);
    assert.deepEqual(summary, { sent: 4, byStatus: { 202: 2, 401: 1 }, errors: 1, p50Ms: 20, p99Ms: 40, maxMs: 40 });
  });
});
