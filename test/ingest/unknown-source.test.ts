import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { clearConfigCache, refreshConfig } from "../../src/config/store";
import worker from "../../src/index";
import { configureSources, problemOf } from "../helpers";

beforeEach(async () => {
  await configureSources({ id: "forms", provider: "none" });
});

afterEach(() => {
  vi.restoreAllMocks();
  clearConfigCache();
});

/** Counts the configuration store's KV reads. */
function countReads() {
  return vi.spyOn(env.CONFIG, "get");
}

it("concurrent requests for unknown source ids share one configuration reload", async () => {
  // The isolate read the configuration 2 s ago: old enough for an unknown id to force a re-read.
  await refreshConfig(env, 0, Date.now() - 2000);
  const reads = countReads();
  const ctx = createExecutionContext();
  const responses = await Promise.all(
    Array.from({ length: 20 }, (_, i) => worker.fetch(new Request(`https://gateway.test/in/unknown-${i}`, { method: "POST", body: "{}" }), env, ctx)),
  );
  await waitOnExecutionContext(ctx);
  for (const response of responses) expect(await problemOf(response)).toMatchObject({ status: 404, code: "source_not_found" });
  expect(reads).toHaveBeenCalledTimes(1);
});

it("reloads at most once per second, also while KV fails", async () => {
  const t = Date.now();
  await refreshConfig(env, 0, t - 5000);
  const reads = countReads();

  await Promise.all(Array.from({ length: 10 }, () => refreshConfig(env, 1000, t)));
  expect(reads).toHaveBeenCalledTimes(1);
  await refreshConfig(env, 1000, t + 500);
  expect(reads).toHaveBeenCalledTimes(1);

  // KV fails: the callers of that one read share its failure, and nobody asks again within the second.
  reads.mockRejectedValue(new Error("KV GET failed: 503"));
  const failing = await Promise.allSettled(Array.from({ length: 10 }, () => refreshConfig(env, 1000, t + 1500)));
  expect(failing.every((r) => r.status === "rejected")).toBe(true);
  expect(reads).toHaveBeenCalledTimes(2);
  const cached = await refreshConfig(env, 1000, t + 2000);
  expect(cached.sources.has("forms")).toBe(true);
  expect(reads).toHaveBeenCalledTimes(2);
});
