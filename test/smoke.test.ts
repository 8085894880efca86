import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
it("has bindings", async () => {
  await env.CONFIG.put("a", "b");
  expect(await env.CONFIG.get("a")).toBe("b");
});
