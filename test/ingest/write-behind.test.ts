import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { SourceInbox } from "../../src/inbox/source-inbox";
import { configureSources, eventsOf, postSigned, recordSends, standardSecret } from "../helpers";

/** The bindings the inbox object itself uses, so faults hit its own calls. */
function inboxEnv(sourceId: string): Promise<Env> {
  return runInDurableObject(env.SOURCE_INBOX.getByName(sourceId), (instance: SourceInbox) => {
    return (instance as unknown as { env: Env }).env;
  });
}

async function acceptMany(sourceId: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const response = await postSigned(sourceId, { n: i });
    expect(response.status).toBe(202);
    ids.push(((await response.json()) as { id: string }).id);
  }
  return ids;
}

const pending = (sourceId: string) => env.SOURCE_INBOX.getByName(sourceId).pending();

beforeAll(async () => {
  const source = (id: string) => ({
    id,
    provider: "standard-webhooks" as const,
    secrets: [standardSecret],
    rate: { perSecond: 1000, burst: 1000 },
  });
  await configureSources(source("d1-down"), source("queue-down"), source("restart"), source("bulk"));
});

describe("write-behind from the source inbox", () => {
  it("keeps every row when the D1 write throws, and flushes them on the next alarm", async () => {
    const ids = await acceptMany("d1-down", 3);
    const inner = await inboxEnv("d1-down");
    const batch = vi.spyOn(inner.DB, "batch").mockRejectedValueOnce(new Error("D1_ERROR: storage overloaded"));

    expect(await runDurableObjectAlarm(env.SOURCE_INBOX.getByName("d1-down"))).toBe(true);
    expect(batch).toHaveBeenCalledTimes(1);
    expect(await eventsOf("d1-down")).toHaveLength(0);
    expect(await pending("d1-down")).toBe(3);

    // The failed flush scheduled its own retry.
    expect(await runDurableObjectAlarm(env.SOURCE_INBOX.getByName("d1-down"))).toBe(true);
    batch.mockRestore();
    expect((await eventsOf("d1-down")).map((e) => e.id)).toEqual(ids);
    expect(await pending("d1-down")).toBe(0);
  });

  it("keeps rows when the queue send throws after D1 took them; the retry neither loses nor duplicates", async () => {
    const ids = await acceptMany("queue-down", 3);
    const inner = await inboxEnv("queue-down");
    const { sent, restore } = recordSends(inner.ROUTING_QUEUE, { failFirst: 1 });

    await runDurableObjectAlarm(env.SOURCE_INBOX.getByName("queue-down"));
    expect((await eventsOf("queue-down")).map((e) => e.id)).toEqual(ids);
    expect(await pending("queue-down")).toBe(3);
    expect(sent).toEqual([]);

    await runDurableObjectAlarm(env.SOURCE_INBOX.getByName("queue-down"));
    restore();
    expect((await eventsOf("queue-down")).map((e) => e.id)).toEqual(ids);
    expect(sent).toEqual(ids);
    expect(await pending("queue-down")).toBe(0);
  });

  it("loses nothing when the object is reset between accept and flush", async () => {
    const ids = await acceptMany("restart", 5);
    await abortAllDurableObjects();
    expect(await pending("restart")).toBe(5);
    expect(await runDurableObjectAlarm(env.SOURCE_INBOX.getByName("restart"))).toBe(true);
    expect((await eventsOf("restart")).map((e) => e.id)).toEqual(ids);
  });

  it("flushes large backlogs in sendBatch-sized steps", { timeout: 30_000 }, async () => {
    const ids = await acceptMany("bulk", 230);
    const inner = await inboxEnv("bulk");
    const { sent, calls, restore } = recordSends(inner.ROUTING_QUEUE);
    await runDurableObjectAlarm(env.SOURCE_INBOX.getByName("bulk"));
    restore();
    expect(calls).toEqual([100, 100, 30]);
    expect(sent).toEqual(ids);
    expect((await eventsOf("bulk")).map((e) => e.id)).toEqual(ids);
  });
});
