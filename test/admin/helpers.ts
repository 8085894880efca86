import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import type { z } from "zod";
import type { destinationSchema, poolSchema, routeSchema, settingsSchema } from "../../src/config/schema";
import type { SourceInput } from "../helpers";

/** A configuration document as written, with every kind present. */
export interface ExampleDocument {
  sources: SourceInput[];
  pools: z.input<typeof poolSchema>[];
  destinations: z.input<typeof destinationSchema>[];
  routes: z.input<typeof routeSchema>[];
  settings?: z.input<typeof settingsSchema>;
}

export const adminToken = "test-admin-token-0123456789abcdef";
export const readToken = "test-read-token-0123456789abcdefg";

interface Options {
  token?: string | null;
  body?: unknown;
  /** A raw body, sent as is. */
  raw?: string;
  headers?: Record<string, string>;
}

/** Calls the admin API as the admin token (by default), with a JSON body when given. */
export function admin(method: string, path: string, { token = adminToken, body, raw, headers = {} }: Options = {}): Promise<Response> {
  const all: Record<string, string> = { ...headers };
  if (token !== null) all.authorization ??= `Bearer ${token}`;
  if (body !== undefined) all["content-type"] ??= "application/json";
  return exports.default.fetch(
    new Request(`https://gateway.test/admin${path}`, {
      method,
      headers: all,
      body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    }),
  );
}

/** The JSON of a response, after checking its status. */
export async function json<T = Record<string, unknown>>(response: Response, status = 200): Promise<T> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  return JSON.parse(text) as T;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  instance?: string;
  problems?: { pointer: string; message: string; in?: string }[];
}

/** The problem document of a response, after checking status and content type. */
export async function problem(response: Response, status: number): Promise<ProblemBody> {
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  return json<ProblemBody>(response, status);
}

/**
 * A small example document in the shape docs/configuration.md describes: a Typeform
 * source, one round-robin pool, HubSpot and Slack, and three routes by score.
 */
export function designExample(): ExampleDocument {
  return {
    sources: [
      {
        id: "typeform-leads",
        provider: "typeform",
        secrets: ["tf-secret"],
        toleranceSeconds: 300,
        rate: { perSecond: 50, burst: 100 },
        maxBodyBytes: 1048576,
        mapping: {
          email: "form_response.hidden.email",
          firstName: "form_response.hidden.first_name",
          company: "form_response.hidden.company",
          score: "$number(form_response.calculated.score)",
        },
      },
    ],
    pools: [
      {
        id: "enterprise-ae",
        strategy: "round_robin",
        members: [
          { ownerId: "101", weight: 2, dailyCap: 40 },
          { ownerId: "102", weight: 1 },
        ],
      },
    ],
    destinations: [
      { id: "hubspot", type: "hubspot", token: "pat-…", baseUrl: "https://api.hubapi.com", rate: { perSecond: 19, burst: 19 } },
      { id: "sales-slack", type: "slack", url: "https://hooks.slack.com/services/…" },
    ],
    routes: [
      {
        id: "hot",
        when: { all: [{ field: "score", op: "gt", value: 80 }] },
        actions: [{ assign: { pool: "enterprise-ae" } }, { upsert: { destination: "hubspot" } }, { notify: { destination: "sales-slack" } }],
      },
      {
        id: "warm",
        when: { all: [{ field: "score", op: "gte", value: 50 }] },
        actions: [{ upsert: { destination: "hubspot", properties: { lifecyclestage: "marketingqualifiedlead" } } }],
      },
      { id: "rest", when: { always: true }, actions: [{ upsert: { destination: "hubspot" } }] },
    ],
  };
}
