import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { bodyFromD1, bodyToD1 } from "../../src/db/body";
import { createDb } from "../../src/db/client";
import { bodyStoreOf } from "../../src/db/event-bodies";
import { insertEvents } from "../../src/db/events";
import { events } from "../../src/db/schema";

const utf8 = (text: string) => new TextEncoder().encode(text);

async function storeAndRead(id: string, body: Uint8Array) {
  await insertEvents(env.DB, bodyStoreOf(env), [
    { id, sourceId: "body-test", dedupKey: null, requestId: "req_body", contentType: null, headers: "{}", body, verification: "{}", receivedAt: Date.now() },
  ]);
  const stored = await env.DB.prepare("SELECT typeof(body) AS type, body_size AS size FROM events WHERE id = ?")
    .bind(id)
    .first<{ type: string; size: number }>();
  const [row] = await createDb(env.DB).select({ body: events.body }).from(events).where(eq(events.id, id));
  return { type: stored?.type, size: stored?.size, body: row?.body };
}

describe("event bodies in D1", () => {
  it.each([
    ["a JSON body", "evt_body_json", utf8('{"email":"ada@example.com","name":"Zoë ☕"}'), "text"],
    ["a body with a UTF-8 byte order mark, kept", "evt_body_bom", new Uint8Array([0xef, 0xbb, 0xbf, ...utf8("a=1&b=2")]), "text"],
    ["an empty body", "evt_body_empty", new Uint8Array(), "text"],
    ["UTF-8 with a NUL byte inside", "evt_body_nul", new Uint8Array([...utf8("a=1"), 0x00, ...utf8("&b=2")]), "text"],
    ["bytes that are not UTF-8", "evt_body_bin", new Uint8Array([0xff, 0xfe, 0x00, 0x41, 0xc3, 0x28, 0x80]), "blob"],
    ["a lone surrogate's bytes (not UTF-8)", "evt_body_sur", new Uint8Array([0xed, 0xa0, 0x80]), "blob"],
  ])("stores %s byte-exact", async (_name, id, body, type) => {
    const stored = await storeAndRead(id, body);
    expect(stored.type).toBe(type);
    expect(stored.size).toBe(body.byteLength);
    expect([...(stored.body ?? [])]).toEqual([...body]);
  });

  it("binds UTF-8 as text and anything else as the bytes themselves", () => {
    expect(bodyToD1(utf8("{}"))).toBe("{}");
    const binary = new Uint8Array([0x80]);
    expect(bodyToD1(binary)).toBe(binary);
  });

  it("reads text, bytes, buffers and number arrays as the same bytes", () => {
    const expected = [104, 105];
    for (const value of ["hi", new Uint8Array(expected), new Uint8Array(expected).buffer, expected]) {
      expect([...bodyFromD1(value)]).toEqual(expected);
    }
  });
});
