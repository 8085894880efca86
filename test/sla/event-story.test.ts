import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { slaTimerOf } from "../../src/db/sla-timers";
import { fireDueSlas, type SlaEnv } from "../../src/sla/fire";
import { admin, json } from "../admin/helpers";
import { consoleFetch, page, signIn, text } from "../console/helpers";
import { configure, eventsOf, post, routeQueued } from "../helpers";

let session = "";

beforeAll(async () => {
  await configure({
    sources: [{ id: "forms", provider: "none" }],
    pools: [{ id: "ae", members: [{ ownerId: "101" }, { ownerId: "102" }] }],
    routes: [
      {
        id: "inbound",
        when: { always: true },
        actions: [{ assign: { pool: "ae" } }, { sla: { within: "8s", until: "contacted", then: "reassign" } }],
      },
    ],
  });
  ({ session } = await signIn());
});

interface EventSla {
  status: string;
  ownerId: string;
  until: string;
  then: string;
  dueAt: string;
  reassignments: number;
  history: { at: string; kind: string; ownerId?: string; note: string }[];
}

describe("an event's SLA, in the API and on the event page", () => {
  it("shows the clock while it runs, then its miss and the reassignment as part of the story", async () => {
    expect((await post("/in/forms", JSON.stringify({ email: "slow@gamma.example" }), { "content-type": "application/json" })).status).toBe(202);
    await routeQueued("forms");
    const [event] = await eventsOf("forms");
    if (!event?.ownerId) throw new Error("the lead was not assigned");
    const first = event.ownerId;
    const other = first === "101" ? "102" : "101";

    const running = (await json<{ sla: EventSla | null }>(await admin("GET", `/v1/events/${event.id}`))).sla;
    expect(running).toMatchObject({ status: "running", ownerId: first, until: "contacted", then: "reassign", reassignments: 0 });
    expect(running?.history.map((h) => h.kind)).toEqual(["started"]);
    const before = text(await page(await consoleFetch("GET", `/events/${event.id}`, { session })));
    expect(before).toContain(`SLA running Waiting for contacted (or a later outcome) from owner ${first}`);

    const clock = await slaTimerOf(createDb(env.DB), event.id);
    await fireDueSlas(env as SlaEnv, createDb(env.DB), (clock?.dueAt ?? 0) + 1_000);

    const missed = await json<{ sla: EventSla | null; ownerId: string }>(await admin("GET", `/v1/events/${event.id}`));
    expect(missed.ownerId).toBe(other);
    expect(missed.sla).toMatchObject({ status: "reassigned", ownerId: other, reassignments: 1 });
    expect(missed.sla?.history.map((h) => [h.kind, h.ownerId])).toEqual([
      ["started", first],
      ["missed", first],
      ["reassigned", other],
    ]);
    expect(Date.parse(missed.sla?.history[1]?.at ?? "")).toBe((clock?.dueAt ?? 0) + 1_000);

    const after = text(await page(await consoleFetch("GET", `/events/${event.id}`, { session })));
    expect(after).toContain(`SLA reassigned Missed once: the lead now belongs to ${other}.`);
    expect(after).toMatch(new RegExp(`Clock started .* \\(owner ${first}\\): contacted expected by`));
    expect(after).toContain(`(owner ${first}): no contacted within 8s`);
    expect(after).toContain(`Reassigned`);
    expect(after).toContain(`(owner ${other}): from ${first} to ${other}`);
  });

  it("has no SLA for an event whose route holds nobody to one", async () => {
    await configure({ sources: [{ id: "forms", provider: "none" }], routes: [{ id: "plain", when: { always: true }, actions: [] }] });
    expect((await post("/in/forms", JSON.stringify({ email: "plain@delta.example" }), { "content-type": "application/json" })).status).toBe(202);
    await routeQueued("forms");
    const event = (await eventsOf("forms")).find((e) => e.lead?.includes("plain@delta.example"));
    const detail = await json<{ sla: unknown; routeId: string }>(await admin("GET", `/v1/events/${event?.id ?? ""}`));
    expect(detail.routeId).toBe("plain");
    expect(detail.sla).toBeNull();
    expect(text(await page(await consoleFetch("GET", `/events/${event?.id ?? ""}`, { session })))).not.toContain("SLA");
  });
});
