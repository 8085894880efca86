import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { isIngestPath, pathOf, sourceIdOf } from "../../src/ingest/handler";

describe("the split between the ingest app and the rest", () => {
  it.each([
    ["https://gateway.test/in/forms", true],
    ["https://gateway.test/in/forms?x=1", true],
    ["http://127.0.0.1:8787/in/a", true],
    ["https://gateway.test/in", false],
    ["https://gateway.test/inbox/forms", false],
    ["https://gateway.test/admin/in/forms", false],
    ["https://gateway.test/", false],
    ["https://in.example/healthz", false],
  ])("%s is ingest: %s", (url, expected) => {
    expect(isIngestPath(pathOf(url))).toBe(expected);
  });

  it.each([
    ["https://gateway.test/in/forms", "forms"],
    ["https://gateway.test/in/forms?x=1", "forms"],
    ["https://gateway.test/in/a%2Fb", "a/b"],
    ["https://gateway.test/in/100%", "100%"],
    ["https://gateway.test/in/", undefined],
    ["https://gateway.test/in/forms/", undefined],
    ["https://gateway.test/in/a/b", undefined],
    ["https://gateway.test/inbox", undefined],
  ])("the source id of %s is %s", (url, expected) => {
    expect(sourceIdOf(pathOf(url))).toBe(expected);
  });

  it.each([
    ["GET", "/in/forms", 405, "method_not_allowed"],
    ["PUT", "/in/forms", 405, "method_not_allowed"],
    ["POST", "/in", 404, "not_found"],
    ["POST", "/in/", 404, "not_found"],
    ["POST", "/in/forms/extra", 404, "not_found"],
    ["GET", "/nothing-here", 404, "not_found"],
  ])("%s %s answers %i %s as a problem, from whichever app", async (method, path, status, code) => {
    const response = await exports.default.fetch(new Request(`https://gateway.test${path}`, { method }));
    expect(response.status).toBe(status);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    const problem = (await response.json()) as { code: string; instance: string };
    expect(problem.code).toBe(code);
    expect(problem.instance).toMatch(/req_/);
  });

  it("/healthz keeps a plain X-Request-Id and replaces an unsafe one", async () => {
    const kept = await exports.default.fetch(new Request("https://gateway.test/healthz", { headers: { "x-request-id": "abc-123" } }));
    expect(kept.headers.get("x-request-id")).toBe("abc-123");
    const replaced = await exports.default.fetch(new Request("https://gateway.test/healthz", { headers: { "x-request-id": "a b;c" } }));
    expect(replaced.headers.get("x-request-id")).toMatch(/^req_/);
  });

  it("/in/ answers with the gateway's own request id, whatever the caller sent", async () => {
    for (const given of ["abc-123", "a b;c"]) {
      const response = await exports.default.fetch(new Request("https://gateway.test/in/forms", { method: "PUT", headers: { "x-request-id": given } }));
      expect(response.headers.get("x-request-id")).toMatch(/^req_[0-9A-Z]{26}$/);
    }
  });

  it("health is still served", async () => {
    const response = await exports.default.fetch(new Request("https://gateway.test/healthz"));
    expect(await response.json()).toEqual({ status: "ok" });
  });
});
