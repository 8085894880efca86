import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { z } from "zod";
import { createEnrichmentFake, enrichmentFakeOptionsSchema } from "./enrichment";
import { createHubspotFake, hubspotFakeOptionsSchema } from "./hubspot";
import { createPipedriveFake, pipedriveFakeOptionsSchema } from "./pipedrive";
import { createReceiverFake, receiverFakeOptionsSchema } from "./receiver";
import { createSalesforceFake, salesforceFakeOptionsSchema } from "./salesforce";
import { createSlackFake, slackFakeOptionsSchema } from "./slack";
import { type FakeInfo, type FakeType, fakeTypes } from "./types";

export { type FakeInfo, type FakeType, fakeTypes } from "./types";

/**
 * Serves the contract fakes over real HTTP on 127.0.0.1 with ephemeral ports, for
 * vitest's globalSetup (Node side), the e2e suite and the demo. Node-only code lives
 * here (never import this file from a test running in workerd: use types.ts/client.ts);
 * the fakes themselves are plain Hono apps.
 */

export interface RunningFake extends FakeInfo {
  close(): Promise<void>;
}

/** The parts of Node's http.Server used here (node types are not in this project's tsconfig). */
interface NodeServer {
  close(callback: () => void): void;
  closeAllConnections?(): void;
}

/** Serves a fetch handler on 127.0.0.1, on `port` or an ephemeral one (0). */
export function listen(app: { fetch: (request: Request) => Response | Promise<Response> }, port = 0): Promise<{ origin: string; close(): Promise<void> }> {
  return new Promise((resolve) => {
    const server: NodeServer = serve({ fetch: (request) => app.fetch(request), hostname: "127.0.0.1", port }, (info: { port: number }) => {
      resolve({
        origin: `http://127.0.0.1:${info.port}`,
        close: () =>
          new Promise<void>((done) => {
            // Keep-alive connections from workerd would otherwise hold close() open.
            server.closeAllConnections?.();
            server.close(() => done());
          }),
      });
    });
  });
}

/**
 * Starts one fake; `options` is that fake's options (validated by its schema). A
 * fixed `port` keeps its URL stable across runs (the demo configuration names it).
 */
export async function startFake(type: FakeType, options: unknown = {}, port = 0): Promise<RunningFake> {
  switch (type) {
    case "hubspot": {
      const fake = createHubspotFake(hubspotFakeOptionsSchema.parse(options));
      const { origin, close } = await listen(fake.app, port);
      return { type, origin, url: origin, credentials: { token: fake.options.token }, close };
    }
    case "salesforce": {
      const fake = createSalesforceFake(salesforceFakeOptionsSchema.parse(options));
      const { origin, close } = await listen(fake.app, port);
      const credentials = {
        accessToken: fake.options.accessToken,
        externalIdField: "Email__c",
        tokenUrl: `${origin}/services/oauth2/token`,
        clientId: fake.options.clientId,
        clientSecret: fake.options.clientSecret,
        refreshToken: fake.options.refreshToken,
      };
      return { type, origin, url: origin, credentials, close };
    }
    case "pipedrive": {
      const fake = createPipedriveFake(pipedriveFakeOptionsSchema.parse(options));
      const { origin, close } = await listen(fake.app, port);
      return { type, origin, url: origin, credentials: { apiToken: fake.options.apiToken }, close };
    }
    case "slack": {
      const fake = createSlackFake(slackFakeOptionsSchema.parse(options));
      const { origin, close } = await listen(fake.app, port);
      return { type, origin, url: `${origin}${fake.options.webhookPath}`, credentials: {}, close };
    }
    case "receiver": {
      const fake = createReceiverFake(receiverFakeOptionsSchema.parse(options));
      const { origin, close } = await listen(fake.app, port);
      return { type, origin, url: `${origin}${fake.options.path}`, credentials: { secret: fake.options.secret }, close };
    }
    case "enrichment": {
      const fake = createEnrichmentFake(enrichmentFakeOptionsSchema.parse(options));
      const { origin, close } = await listen(fake.app, port);
      return { type, origin, url: `${origin}${fake.options.path}`, credentials: { token: fake.options.token }, close };
    }
  }
}

export interface StartedFakes {
  urls: Record<FakeType, string>;
  fakes: Record<FakeType, FakeInfo>;
  stop(): Promise<void>;
}

/** One of each fake with default options: what the e2e suite and the demo point at. */
export async function startFakes(options: Partial<Record<FakeType, unknown>> = {}, ports: Partial<Record<FakeType, number>> = {}): Promise<StartedFakes> {
  const running = await Promise.all(fakeTypes.map((type) => startFake(type, options[type] ?? {}, ports[type] ?? 0)));
  const fakes = Object.fromEntries(running.map(({ close: _, ...info }) => [info.type, info])) as Record<FakeType, FakeInfo>;
  const urls = Object.fromEntries(running.map((fake) => [fake.type, fake.url])) as Record<FakeType, string>;
  return { urls, fakes, stop: async () => void (await Promise.all(running.map((fake) => fake.close()))) };
}

/**
 * A small server that starts private fakes on demand, so each test file gets its own
 * records, faults and rate-limit window while test files run in parallel:
 * `POST /fakes { "type": "hubspot", "options": { … } }` → 201 `FakeInfo`.
 */
export async function startFakeFactory(): Promise<{ url: string; stop(): Promise<void> }> {
  const started: RunningFake[] = [];
  const app = new Hono();
  const requestSchema = z.object({ type: z.enum(fakeTypes), options: z.unknown().optional() });
  app.post("/fakes", async (c) => {
    const parsed = requestSchema.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return c.json({ error: "expected { type, options? }", issues: parsed.error.issues }, 400);
    try {
      const fake = await startFake(parsed.data.type, parsed.data.options ?? {});
      started.push(fake);
      const { close: _, ...info } = fake;
      return c.json(info, 201);
    } catch (error) {
      return c.json({ error: error instanceof Error ? error.message : String(error) }, 400);
    }
  });
  const { origin, close } = await listen(app);
  return {
    url: origin,
    stop: async () => {
      await Promise.all(started.map((fake) => fake.close()));
      await close();
    },
  };
}
