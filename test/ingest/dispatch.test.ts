import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { isIngestPath } from "../../src/app";

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
    expect(isIngestPath(url)).toBe(expected);
  });

  it.each([
    ["GET", "/in/forms", 405, "method_not_allowed"],
    ["POST", "/in", 404, "not_found"],
    ["GET", "/nothing-here", 404, "not_found"],
  ])("%s %s answers %i %s as a problem, from whichever app", async (method, path, status, code) => {
    const response = await exports.default.fetch(new Request(`https://gateway.test${path}`, { method }));
    expect(response.status).toBe(status);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    const problem = (await response.json()) as { code: string; instance: string };
    expect(problem.code).toBe(code);
    expect(problem.instance).toMatch(/req_/);
  });

  it("health is still served", async () => {
    const response = await exports.default.fetch(new Request("https://gateway.test/healthz"));
    expect(await response.json()).toEqual({ status: "ok" });
  });
});
