import { beforeAll, describe, expect, it } from "vitest";
import { admin } from "../admin/helpers";
import { privateFake } from "../connectors/fixtures";
import type { FakeHandle } from "../fakes/client";
import { configure, eventsOf, postSigned, routeQueued, standardSecret } from "../helpers";

/**
 * A split route through the real pipeline: webhooks in, routed by the queue
 * consumer, the arm stored on the event and findable through the admin API.
 */

let hubspot: FakeHandle;
const source = "split-forms";

beforeAll(async () => {
  hubspot = await privateFake("hubspot");
  await configure({
    sources: [{ id: source, provider: "standard-webhooks", secrets: [standardSecret], mapping: { email: "email" } }],
    pools: [
      { id: "ae", members: [{ ownerId: "201" }] },
      { id: "sdr", members: [{ ownerId: "202" }] },
    ],
    destinations: [{ id: "hubspot", type: "hubspot", token: hubspot.credentials.token ?? "", baseUrl: hubspot.url }],
    routes: [
      {
        id: "inbound",
        when: { always: true },
        actions: [{ upsert: { destination: "hubspot" } }],
        split: [
          { arm: "ae-first", weight: 1, actions: [{ assign: { pool: "ae" } }] },
          { arm: "sdr-first", weight: 1, actions: [{ assign: { pool: "sdr" } }] },
        ],
      },
    ],
  });
});

describe("a split route", () => {
  it("stores each lead's arm on its event, the same arm for the same person, and owners follow the arm", async () => {
    const emails = Array.from({ length: 30 }, (_, i) => `person${i}@corp${i}.example`);
    for (const email of emails) expect((await postSigned(source, { email })).status).toBe(202);
    await routeQueued(source);
    // The same people again: they must land in the arms they landed in before.
    for (const email of emails) expect((await postSigned(source, { email, again: true })).status).toBe(202);
    await routeQueued(source);

    const rows = await eventsOf(source);
    expect(rows).toHaveLength(60);
    const armOf = new Map<string, string>();
    for (const row of rows) {
      expect(row.status).toBe("delivering");
      expect(row.experiment).toBe("inbound");
      expect(["ae-first", "sdr-first"]).toContain(row.arm);
      const email = JSON.parse(row.lead ?? "{}").email as string;
      const first = armOf.get(email);
      if (first === undefined) armOf.set(email, row.arm ?? "");
      else expect(row.arm).toBe(first);
      // A new lead's owner comes from its arm's pool; a returning one keeps that owner.
      expect(row.ownerId).toBe(row.arm === "ae-first" ? "201" : "202");
      expect(JSON.parse(row.trace ?? "{}").experiments[0]).toMatchObject({ route: "inbound", arm: row.arm, by: "email" });
    }
    expect(new Set(armOf.values())).toEqual(new Set(["ae-first", "sdr-first"]));

    const listed = await admin("GET", "/v1/events?experiment=inbound&arm=sdr-first&limit=200");
    expect(listed.status).toBe(200);
    const { items } = (await listed.json()) as { items: { arm: string; experiment: string }[] };
    expect(items.length).toBe(rows.filter((r) => r.arm === "sdr-first").length);
    expect(items.every((item) => item.arm === "sdr-first" && item.experiment === "inbound")).toBe(true);
  });

  it("the simulator names the arm a lead would land in, and it is the arm routing used", async () => {
    const [routed] = (await eventsOf(source)).filter((r) => r.arm);
    const email = JSON.parse(routed?.lead ?? "{}").email as string;
    const response = await admin("POST", "/v1/simulate", { body: { source, payload: { email } } });
    expect(response.status).toBe(200);
    const result = (await response.json()) as { experiment?: { route: string; arm: string } };
    expect(result.experiment).toEqual({ route: "inbound", arm: routed?.arm });
  });
});
