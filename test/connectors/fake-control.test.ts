import { describe, expect, inject, it } from "vitest";
import { fakeHandle } from "../fakes/client";
import { fakeTypes } from "../fakes/types";
import { privateFake } from "./fixtures";

describe("fake control API", () => {
  it("serves one shared fake of each type from globalSetup", async () => {
    const { shared } = inject("fakes");
    for (const type of fakeTypes) {
      const records = await fakeHandle(shared[type]).records<unknown>();
      expect(records).toBeDefined();
    }
  });

  it("validates faults, queues them in order, counts them down and resets", async () => {
    const fake = await privateFake("slack");
    const bad = await fetch(`${fake.origin}/__fake/faults`, { method: "POST", body: JSON.stringify({ count: 2 }) });
    expect(bad.status).toBe(400);

    await fake.fault([
      { status: 503, count: 2 },
      { status: 429, retryAfter: "Wed, 21 Oct 2037 07:28:00 GMT" },
    ]);
    const post = () => fetch(fake.url, { method: "POST", headers: { "content-type": "application/json" }, body: '{"text":"hi"}' });
    const answers = [await post(), await post(), await post(), await post()];
    expect(answers.map((r) => r.status)).toEqual([503, 503, 429, 200]);
    expect(answers[2]?.headers.get("retry-after")).toBe("Wed, 21 Oct 2037 07:28:00 GMT");

    const requests = await fake.requests();
    expect(requests).toHaveLength(4);
    expect(requests.map((r) => r.fault !== undefined)).toEqual([true, true, true, false]);
    expect(await fake.records<unknown[]>()).toHaveLength(1);

    await fake.fault({ status: 500, count: 5 });
    await fake.reset();
    expect(await fake.requests()).toHaveLength(0);
    expect(await fake.records<unknown[]>()).toHaveLength(0);
    expect((await post()).status).toBe(200);
  });
});
