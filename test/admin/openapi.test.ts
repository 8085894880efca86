import { describe, expect, it } from "vitest";
import { admin, json, readToken } from "./helpers";

interface Operation {
  operationId?: string;
  security?: unknown;
  responses: Record<string, unknown>;
  requestBody?: { content: Record<string, { schema: unknown }> };
}
interface Document {
  openapi: string;
  servers: { url: string }[];
  security: unknown[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
}

describe("GET /admin/v1/openapi.json", () => {
  it("is an OpenAPI 3.1 document with a bearer scheme, covering every endpoint", async () => {
    const doc = await json<Document>(await admin("GET", "/v1/openapi.json", { token: readToken }));
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.servers).toEqual([expect.objectContaining({ url: "/admin" })]);
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    expect(operations.sort()).toEqual(
      [
        "GET /v1/config",
        "PUT /v1/config",
        "GET /v1/config/versions",
        "GET /v1/config/versions/{version}",
        "POST /v1/config/rollback",
        "POST /v1/config/rekey",
        ...["sources", "destinations", "enrichments", "routes", "pools"].flatMap((k) => [
          `GET /v1/${k}`,
          `GET /v1/${k}/{id}`,
          `PUT /v1/${k}/{id}`,
          `DELETE /v1/${k}/{id}`,
        ]),
        "GET /v1/events",
        "GET /v1/events/{id}",
        "GET /v1/metrics",
        "POST /v1/destinations/{id}/pause",
        "POST /v1/destinations/{id}/resume",
        "POST /v1/events/{id}/replay",
        "POST /v1/events/replay",
        "GET /v1/dead-letters",
        "POST /v1/deliveries/retry",
        "GET /v1/jobs/{id}",
        "DELETE /v1/jobs/{id}",
        "POST /v1/simulate",
        "GET /v1/stats",
        "GET /v1/owners",
        "PUT /v1/owners/{id}/away",
        "DELETE /v1/owners/{id}/away",
      ].sort(),
    );
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        expect(op.operationId, `${method} ${path}`).toBeTruthy();
        expect(op.responses["401"], `${method} ${path}`).toBeDefined();
      }
    }
  });

  it("describes requests with the very schemas that validate them (the config document, conditions, secrets)", async () => {
    const doc = await json<Document>(await admin("GET", "/v1/openapi.json"));
    expect(doc.paths["/v1/config"]?.put?.requestBody?.content["application/json"]?.schema).toEqual({ $ref: "#/components/schemas/ConfigWrite" });
    const condition = JSON.stringify(doc.components.schemas.Condition);
    for (const op of ["eq", "neq", "gt", "gte", "lt", "lte", "in", "contains", "matches", "exists"]) expect(condition).toContain(`"${op}"`);
    expect(JSON.stringify(doc.components.schemas.Problem)).toContain("pointer");
  });
});

describe("GET /admin/docs", () => {
  it("serves the interactive reference, loading only same-origin resources", async () => {
    const response = await admin("GET", "/docs");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/html");
    const html = await response.text();
    expect(html).toContain('src="/_assets/scalar/standalone.js"');
    expect(html).toContain("/admin/v1/openapi.json");
    const urls = [...html.matchAll(/(?:src|href)\s*=\s*["']([^"']+)["']/g)].map((m) => m[1] ?? "");
    for (const url of urls) expect(url, url).toMatch(/^\/(?!\/)/);
    expect(html).not.toMatch(/cdn\.jsdelivr|fonts\.(googleapis|scalar)|proxy\.scalar/);
  });
});
