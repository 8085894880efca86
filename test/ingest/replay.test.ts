import { beforeAll, describe, expect, it } from "vitest";
import { admin, json } from "../admin/helpers";
import { configureSources, eventsOf, flushInbox, post } from "../helpers";

const SECRET = "replay-test-secret";
const BODY = '{"email":"ada@example.com"}';

async function hexMac(message: string, secret = SECRET): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(message)));
  return Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
}

const now = () => String(Math.floor(Date.now() / 1000));

beforeAll(async () => {
  await configureSources(
    {
      id: "signed-id",
      provider: "hmac",
      secrets: [SECRET],
      hmac: { template: "{id}.{timestamp}.{body}", timestampHeader: "x-ts", idHeader: "x-id" },
    },
    { id: "unsigned-id", provider: "hmac", secrets: [SECRET], hmac: { idHeader: "x-id" } },
    { id: "gh", provider: "github", secrets: [SECRET] },
  );
});

async function status(response: Response): Promise<{ status: number; body: { id: string; status: string } }> {
  return { status: response.status, body: (await response.json()) as { id: string; status: string } };
}

describe("replays of a captured request", () => {
  it("a signed id is the dedup key: a replay is a duplicate, a new signed id a new event", async () => {
    const ts = now();
    const signed = async (id: string) => ({ "x-signature": await hexMac(`${id}.${ts}.${BODY}`), "x-ts": ts, "x-id": id });
    const first = await status(await post("/in/signed-id", BODY, await signed("dlv_1")));
    expect(first).toMatchObject({ status: 202, body: { status: "accepted" } });
    const replay = await status(await post("/in/signed-id", BODY, await signed("dlv_1")));
    expect(replay).toEqual({ status: 200, body: { id: first.body.id, status: "duplicate" } });
    // Only the sender can sign another id: the same body under it is another event.
    const other = await status(await post("/in/signed-id", BODY, await signed("dlv_2")));
    expect(other).toMatchObject({ status: 202, body: { status: "accepted" } });

    await flushInbox("signed-id");
    const rows = await eventsOf("signed-id");
    expect(rows.map((r) => r.dedupKey)).toEqual(["d:dlv_1", "d:dlv_2"]);
  });

  it("an unsigned id is not the dedup key: a replay under a new x-id is a duplicate (body hash)", async () => {
    const signature = await hexMac(BODY);
    const first = await status(await post("/in/unsigned-id", BODY, { "x-signature": signature, "x-id": "a" }));
    expect(first).toMatchObject({ status: 202 });
    const replay = await status(await post("/in/unsigned-id", BODY, { "x-signature": signature, "x-id": "b" }));
    expect(replay).toEqual({ status: 200, body: { id: first.body.id, status: "duplicate" } });

    await flushInbox("unsigned-id");
    const [row] = await eventsOf("unsigned-id");
    expect(row?.dedupKey).toMatch(/^h:[0-9a-f]{64}$/);
    // The id is still kept with the event, marked as unsigned.
    expect(JSON.parse(row?.verification ?? "{}")).toMatchObject({ deliveryId: null, unsignedDeliveryId: "a" });
  });

  it("GitHub: a replay with a new X-GitHub-Delivery is a duplicate", async () => {
    const body = '{"action":"opened","issue":{"number":1}}';
    const signature = `sha256=${await hexMac(body)}`;
    const headers = (delivery: string) => ({
      "content-type": "application/json",
      "x-hub-signature-256": signature,
      "x-github-delivery": delivery,
    });
    const first = await status(await post("/in/gh", body, headers("guid-1")));
    expect(first).toMatchObject({ status: 202 });
    const replay = await status(await post("/in/gh", body, headers("guid-2")));
    expect(replay).toEqual({ status: 200, body: { id: first.body.id, status: "duplicate" } });
  });
});

describe("writing generic hmac options", () => {
  const source = (hmac: Record<string, unknown>) => ({ sources: [{ id: "partner", provider: "hmac", secrets: [SECRET], hmac }] });
  const pointers = async (response: Response) => (await json<{ code: string; problems: { pointer: string }[] }>(response, 422)).problems.map((p) => p.pointer);

  it("refuses a timestampHeader the template does not sign, with a pointer to it", async () => {
    const response = await admin("PUT", "/v1/config", { body: source({ timestampHeader: "x-ts" }) });
    expect(await pointers(response)).toEqual(["/sources/0/hmac/timestampHeader"]);
  });

  it("refuses {id} without an idHeader and a template without {body}", async () => {
    expect(await pointers(await admin("PUT", "/v1/config", { body: source({ template: "{id}.{body}" }) }))).toEqual(["/sources/0/hmac/template"]);
    expect(await pointers(await admin("PUT", "/v1/config", { body: source({ template: "{timestamp}", timestampHeader: "x-ts" }) }))).toEqual([
      "/sources/0/hmac/template",
    ]);
  });

  it("refuses the same through the per-source endpoint", async () => {
    const body = { id: "partner", provider: "hmac", secrets: [SECRET], hmac: { timestampHeader: "x-ts" } };
    expect(await pointers(await admin("PUT", "/v1/sources/partner", { body }))).toEqual(["/hmac/timestampHeader"]);
  });

  it("accepts a template that signs what it checks", async () => {
    const body = source({ template: "{id}.{timestamp}.{body}", timestampHeader: "x-ts", idHeader: "x-id" });
    await json(await admin("PUT", "/v1/config", { body }));
  });
});
