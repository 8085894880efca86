import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, expect, it, vi } from "vitest";
import { configureSources, eventsOf, flushInbox, postSigned, standardSecret } from "../helpers";

const source = (id: string) => ({
  id,
  provider: "standard-webhooks" as const,
  secrets: [standardSecret],
  rate: { perSecond: 1000, burst: 1000 },
});

beforeAll(async () => {
  await configureSources(source("burst"), source("broken"));
});

/** Spies on the inbox object's own storage transactions. */
function spyTransactions(sourceId: string) {
  return runInDurableObject(env.SOURCE_INBOX.getByName(sourceId), (_instance, state) => vi.spyOn(state.storage, "transactionSync"));
}

it("stores a burst of concurrent accepts in shared transactions, catching a repeat inside one", async () => {
  await postSigned("burst", { warm: true }); // the object exists before the burst
  const transactions = await spyTransactions("burst");
  const responses = await Promise.all([
    ...Array.from({ length: 20 }, (_, i) => postSigned("burst", { i }, { id: `msg_${i}` })),
    postSigned("burst", { i: 7 }, { id: "msg_7" }),
  ]);
  const commits = transactions.mock.calls.length;
  transactions.mockRestore();
  const statuses = responses.map((r) => r.status);
  expect(statuses.filter((s) => s === 202)).toHaveLength(20);
  expect(statuses.filter((s) => s === 200)).toHaveLength(1);
  expect(commits).toBeGreaterThan(0);
  expect(commits).toBeLessThan(20);

  await flushInbox("burst");
  expect((await eventsOf("burst")).filter((e) => e.dedupKey?.startsWith("d:msg_"))).toHaveLength(20);
});

it("fails every accept of a group whose write fails, with 503 and nothing stored", async () => {
  await postSigned("broken", { warm: true });
  const failing = await runInDurableObject(env.SOURCE_INBOX.getByName("broken"), (_instance, state) =>
    vi.spyOn(state.storage, "transactionSync").mockImplementationOnce(() => {
      throw new Error("SQLITE_FULL: database or disk is full");
    }),
  );
  const responses = await Promise.all(Array.from({ length: 5 }, (_, i) => postSigned("broken", { i }, { id: `b_${i}` })));
  failing.mockRestore();
  const statuses = responses.map((r) => r.status);
  // The first group failed as a whole; nothing in it was answered 2xx.
  expect(statuses).toContain(503);
  for (const response of responses) expect([202, 503]).toContain(response.status);

  await flushInbox("broken");
  const stored = (await eventsOf("broken")).filter((e) => e.dedupKey?.startsWith("d:b_")).length;
  expect(stored).toBe(statuses.filter((s) => s === 202).length);
  // A retry of the refused ones is accepted: nothing of them was remembered for dedup.
  const retried = await Promise.all(responses.flatMap((r, i) => (r.status === 503 ? [postSigned("broken", { i }, { id: `b_${i}` })] : [])));
  for (const response of retried) expect(response.status).toBe(202);
});
