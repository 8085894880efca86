import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { writeCachedEnrichment } from "../../src/db/enrichment-cache";
import { enrichmentCache } from "../../src/db/schema";
import { runRetention } from "../../src/retention/run";

describe("retention of the enrichment cache", () => {
  it("deletes expired rows and keeps live ones", async () => {
    const db = createDb(env.DB);
    const now = Date.now();
    for (let i = 0; i < 3; i++) {
      await writeCachedEnrichment(db, {
        scope: "company:00000000",
        key: `old${i}.example`,
        fields: { employees: i },
        fetchedAt: now - 90_000,
        expiresAt: now - 1,
      });
    }
    await writeCachedEnrichment(db, { scope: "company:00000000", key: "none.example", fields: null, fetchedAt: now - 90_000, expiresAt: now - 5 });
    await writeCachedEnrichment(db, { scope: "company:00000000", key: "live.example", fields: { employees: 9 }, fetchedAt: now, expiresAt: now + 60_000 });

    const result = await runRetention(env, createDb(env.DB), now);
    expect(result.expiredEnrichments).toBe(4);
    expect((await db.select().from(enrichmentCache)).map((r) => r.key)).toEqual(["live.example"]);
    expect((await runRetention(env, createDb(env.DB), now)).expiredEnrichments).toBe(0);
  });
});
