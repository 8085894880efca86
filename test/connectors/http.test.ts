import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { classify, excerpt, parseRetryAfter, sendHttp } from "../../src/connectors/http";
import type { FakeHandle } from "../fakes/client";
import { privateFake } from "./fixtures";

describe("parseRetryAfter", () => {
  it("reads delay-seconds and HTTP-dates, ignores the rest", () => {
    const now = Date.parse("2026-05-01T12:00:00Z");
    expect(parseRetryAfter("7", now)).toBe(7);
    expect(parseRetryAfter(" 0 ", now)).toBe(0);
    expect(parseRetryAfter("Fri, 01 May 2026 12:00:30 GMT", now)).toBe(30);
    expect(parseRetryAfter("Fri, 01 May 2026 11:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter("-3", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe("classify", () => {
  const response = (status: number, text = "", headers: Record<string, string> = {}) =>
    ({ kind: "response", status, headers: new Headers(headers), text, latencyMs: 5 }) as const;

  it("splits statuses into success, retryable and permanent", () => {
    expect(classify(response(200, "ok"))).toEqual({ ok: true, status: 200, excerpt: "ok", latencyMs: 5 });
    for (const status of [408, 429, 500, 502, 503, 504]) expect(classify(response(status))).toMatchObject({ ok: false, retryable: true, status });
    for (const status of [300, 301, 400, 401, 403, 404, 409, 410, 422])
      expect(classify(response(status))).toMatchObject({ ok: false, retryable: false, status });
  });

  it("carries Retry-After, the API's error code and a 500-character excerpt", () => {
    const outcome = classify(response(429, "x".repeat(800), { "retry-after": "3" }), "RATE_LIMIT");
    expect(outcome).toMatchObject({ ok: false, retryable: true, retryAfterSeconds: 3, error: "HTTP 429 RATE_LIMIT" });
    expect(outcome.ok === false && outcome.excerpt).toHaveLength(500);
    expect(excerpt("short")).toBe("short");
  });

  it("retries network errors and timeouts, never a refused URL", () => {
    expect(classify({ kind: "network", error: "network error", latencyMs: 1 })).toMatchObject({ ok: false, retryable: true });
    expect(classify({ kind: "timeout", error: "timeout", latencyMs: 1 })).toMatchObject({ ok: false, retryable: true });
    expect(classify({ kind: "refused", error: "refused", latencyMs: 0 })).toMatchObject({ ok: false, retryable: false });
  });
});

describe("sendHttp", () => {
  let receiver: FakeHandle;
  beforeAll(async () => {
    receiver = await privateFake("receiver");
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("refuses http:// unless allowHttp, and anything that is not http(s)", async () => {
    const request = { url: receiver.url, method: "POST", headers: {}, body: "{}" };
    const refused = await sendHttp(request, { timeoutMs: 1000, allowHttp: false });
    expect(refused).toMatchObject({ kind: "refused" });
    expect(classify(refused)).toMatchObject({ ok: false, retryable: false });
    expect(await sendHttp({ ...request, url: "ftp://127.0.0.1/x" }, { timeoutMs: 1000, allowHttp: true })).toMatchObject({ kind: "refused" });
    expect(await sendHttp({ ...request, url: "not a url" }, { timeoutMs: 1000, allowHttp: true })).toMatchObject({ kind: "refused" });
    // Local addresses over https too, unless allowHttp: a stored document that predates the write-time check.
    for (const url of [receiver.url.replace("http:", "https:"), "https://localhost/x", "https://[::1]/x", "https://169.254.169.254/x"]) {
      const local = await sendHttp({ ...request, url }, { timeoutMs: 1000, allowHttp: false });
      expect(local, url).toMatchObject({ kind: "refused", error: expect.stringMatching(/^refused: destination URL must not point at/) });
    }
    expect(await receiver.requests()).toHaveLength(0);

    const sent = await sendHttp(request, { timeoutMs: 1000, allowHttp: true });
    expect(sent).toMatchObject({ kind: "response", status: 401 });
  });

  // A real refused connection (a closed port) would work too, but workerd then logs an
  // "Uncaught (in promise) Error: Network connection lost" from a promise of its own,
  // after fetch has already rejected into sendHttp's catch: noise in every test run.
  // The rejection is injected at fetch instead, carrying the URL to prove it is cut out.
  it("reports a connection failure as a network error without the URL", async () => {
    const url = "http://127.0.0.1:8/services/T0/B0/secret-part";
    const fetchSpy = vi.spyOn(globalThis, "fetch").mockRejectedValueOnce(new TypeError(`Network connection lost: ${url}`));
    const result = await sendHttp({ url, method: "POST", headers: {}, body: "{}" }, { timeoutMs: 2000, allowHttp: true });
    expect(fetchSpy).toHaveBeenCalledOnce();
    expect(result).toMatchObject({ kind: "network", error: "network error: TypeError: Network connection lost: <url>" });
    expect(JSON.stringify(result)).not.toContain("secret-part");
  });

  it("gives up after timeoutMs", async () => {
    await receiver.fault({ delayMs: 1500 });
    const started = Date.now();
    const result = await sendHttp({ url: receiver.url, method: "POST", headers: {}, body: "{}" }, { timeoutMs: 200, allowHttp: true });
    expect(result).toMatchObject({ kind: "timeout" });
    expect(Date.now() - started).toBeLessThan(1400);
  });
});
