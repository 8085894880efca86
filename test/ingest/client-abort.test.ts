import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { configureSources, problemOf, standardSecret, standardWebhookHeaders } from "../helpers";

beforeAll(async () => {
  await configureSources({ id: "forms", provider: "standard-webhooks", secrets: [standardSecret] });
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** A body that delivers its first bytes, then fails the way a dropped connection does. */
function droppedBody(): ReadableStream<Uint8Array> {
  let sent = false;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (!sent) {
        sent = true;
        controller.enqueue(new TextEncoder().encode('{"email":"ada@exa'));
      } else {
        controller.error(new Error("Network connection lost."));
      }
    },
  });
}

/** The JSON log lines written at each level while `run` runs. */
async function logged(run: () => Promise<void>) {
  const lines = { info: [] as Record<string, unknown>[], warn: [] as Record<string, unknown>[], error: [] as Record<string, unknown>[] };
  const capture = (into: Record<string, unknown>[]) => (line: unknown) => {
    if (typeof line === "string" && line.startsWith("{")) into.push(JSON.parse(line) as Record<string, unknown>);
  };
  vi.spyOn(console, "log").mockImplementation(capture(lines.info));
  vi.spyOn(console, "warn").mockImplementation(capture(lines.warn));
  vi.spyOn(console, "error").mockImplementation(capture(lines.error));
  await run();
  return lines;
}

it.each([
  ["streamed without a length", {}],
  ["with a declared Content-Length", { "content-length": "64" }],
])("a client that drops mid-body (%s) is a client abort: 499, warn, nothing stored", async (_, length) => {
  const inbox = vi.fn();
  const testEnv = { ...env, SOURCE_INBOX: { getByName: inbox } as unknown as Env["SOURCE_INBOX"] };
  const headers = { ...(await standardWebhookHeaders('{"email":"ada@example.com"}')), ...length };
  let response: Response | undefined;
  const lines = await logged(async () => {
    const ctx = createExecutionContext();
    const request = new Request("https://gateway.test/in/forms", { method: "POST", headers, body: droppedBody() });
    response = await worker.fetch(request, testEnv, ctx);
    await waitOnExecutionContext(ctx);
  });

  expect(response?.status).toBe(499);
  expect(await problemOf(response as Response)).toMatchObject({ code: "client_disconnected", status: 499 });
  expect(lines.error).toEqual([]);
  expect(lines.warn).toEqual([expect.objectContaining({ msg: "ingest", sourceId: "forms", outcome: "client_disconnected", status: 499 })]);
  expect(inbox).not.toHaveBeenCalled();
});
