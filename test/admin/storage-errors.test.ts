import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import worker from "../../src/index";
import { problemOf } from "../helpers";

async function get(path: string, db: D1Database): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(`https://gateway.test${path}`, { headers: { authorization: "Bearer test-admin-token-0123456789abcdef" } }),
    { ...env, DB: db },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

it("answers 503 with Retry-After, not 500, when D1 fails under the admin API", async () => {
  const failing = {
    prepare: () => {
      throw new Error("D1_ERROR: Network connection lost.");
    },
    batch: () => Promise.reject(new Error("D1_ERROR: Network connection lost.")),
  } as unknown as D1Database;
  const response = await get("/admin/v1/events", failing);
  expect(response.status).toBe(503);
  expect(response.headers.get("retry-after")).toBe("5");
  expect(await problemOf(response)).toMatchObject({ code: "storage_unavailable" });
});

it("still answers 500 for an error that is not the storage's", async () => {
  const buggy = {
    prepare: () => {
      throw new TypeError("Cannot read properties of undefined");
    },
  } as unknown as D1Database;
  const response = await get("/admin/v1/events", buggy);
  expect(response.status).toBe(500);
  expect(await problemOf(response)).toMatchObject({ code: "internal_error" });
});
