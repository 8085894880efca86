import { env } from "cloudflare:workers";
import { beforeAll, expect, it } from "vitest";
import { sourceSchema } from "../../src/config/schema";
import { inboxNamesOf } from "../../src/ingest/shard";
import { configureSources, postSigned, standardSecret } from "../helpers";

beforeAll(async () => {
  await configureSources({
    id: "hot",
    provider: "standard-webhooks",
    secrets: [standardSecret],
    shards: 4,
    rate: { perSecond: 1000, burst: 1000 },
  });
});

it("spreads a sharded source over its inboxes and still catches redeliveries", async () => {
  for (let i = 0; i < 24; i++) {
    expect((await postSigned("hot", { i }, { id: `msg_${i}` })).status).toBe(202);
  }
  const again = await postSigned("hot", { i: 3 }, { id: "msg_3" });
  expect(again.status).toBe(200);

  const names = inboxNamesOf(sourceSchema.parse({ id: "hot", provider: "none", shards: 4 }));
  const pending = await Promise.all(names.map((name) => env.SOURCE_INBOX.getByName(name).pending()));
  expect(pending.reduce((a, b) => a + b, 0)).toBe(24);
  expect(pending.filter((n) => n > 0).length).toBeGreaterThan(1);
});
