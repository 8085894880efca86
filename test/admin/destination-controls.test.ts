import { beforeAll, describe, expect, it } from "vitest";
import { configure } from "../helpers";
import { admin, json, problem, readToken } from "./helpers";

beforeAll(async () => {
  await configure({
    destinations: [
      { id: "crm", type: "http", url: "https://crm.example/hook", secret: `whsec_${btoa("destination-controls-secret-0123")}` },
      { id: "other", type: "http", url: "https://other.example/hook", secret: `whsec_${btoa("destination-controls-secret-4567")}` },
    ],
  });
});

describe("POST /admin/v1/destinations/{id}/pause and /resume", () => {
  it("pauses and resumes, each as often as asked, and lists the state with the destinations", async () => {
    expect(await json(await admin("POST", "/v1/destinations/crm/pause"))).toEqual({ id: "crm", state: "paused", held: 0 });
    expect(await json(await admin("POST", "/v1/destinations/crm/pause"))).toEqual({ id: "crm", state: "paused", held: 0 });
    const listed = await json<{ items: { id: string }[]; states: Record<string, unknown> }>(await admin("GET", "/v1/destinations", { token: readToken }));
    expect(listed.items.map((d) => d.id)).toEqual(["crm", "other"]);
    expect(listed.states).toEqual({ crm: { state: "paused", held: 0 }, other: { state: "active", held: 0 } });
    expect(await json(await admin("POST", "/v1/destinations/crm/resume"))).toEqual({ id: "crm", state: "active", held: 0 });
    expect(await json(await admin("POST", "/v1/destinations/other/resume"))).toEqual({ id: "other", state: "active", held: 0 });
  });

  it("answers an unknown destination with a destination_not_found problem", async () => {
    for (const action of ["pause", "resume"]) {
      const body = await problem(await admin("POST", `/v1/destinations/nope/${action}`), 404);
      expect(body.code).toBe("destination_not_found");
      expect(body.detail).toContain("'nope'");
    }
  });

  it("refuses the read token: pausing is a write", async () => {
    expect((await problem(await admin("POST", "/v1/destinations/crm/pause", { token: readToken }), 403)).code).toBe("forbidden");
    const listed = await json<{ states: Record<string, { state: string }> }>(await admin("GET", "/v1/destinations", { token: readToken }));
    expect(listed.states.crm?.state).toBe("active");
  });
});

describe("a destination's breaker in the configuration", () => {
  const hook = { type: "http", url: "https://crm.example/hook", secret: `whsec_${btoa("destination-controls-secret-0123")}` };

  it("takes `false` (off) or failures and a cool-down, and refuses what makes no sense, with pointers", async () => {
    expect((await admin("PUT", "/v1/destinations/off", { body: { id: "off", ...hook, breaker: false } })).status).toBe(201);
    expect((await admin("PUT", "/v1/destinations/tuned", { body: { id: "tuned", ...hook, breaker: { failures: 3, coolDownSeconds: 10 } } })).status).toBe(201);
    const stored = await json<{ breaker?: unknown }>(await admin("GET", "/v1/destinations/tuned"));
    expect(stored.breaker).toEqual({ failures: 3, coolDownSeconds: 10 });
    const refused = await problem(
      await admin("PUT", "/v1/destinations/bad", { body: { id: "bad", ...hook, breaker: { failures: 0, coolDownSeconds: -1 } } }),
      422,
    );
    expect(refused.problems?.map((p) => p.pointer).sort()).toEqual(["/breaker/coolDownSeconds", "/breaker/failures"]);
    expect((await problem(await admin("PUT", "/v1/destinations/bad", { body: { id: "bad", ...hook, breaker: true } }), 422)).problems?.[0]?.pointer).toBe(
      "/breaker",
    );
  });
});
