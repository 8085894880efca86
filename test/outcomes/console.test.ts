import { beforeAll, describe, expect, it } from "vitest";
import { consoleFetch, page, signIn, text } from "../console/helpers";
import { configure, postSigned, routeAndDeliver, standardSecret } from "../helpers";
import { latestEvent } from "./helpers";

let session = "";

beforeAll(async () => {
  const signed = { provider: "standard-webhooks" as const, secrets: [standardSecret] };
  await configure({
    sources: [
      { id: "forms", ...signed },
      { id: "crm-generic", ...signed, kind: "outcomes", outcomes: { format: "generic" } },
    ],
    routes: [{ id: "inbound", when: { always: true }, actions: [] }],
  });
  ({ session } = await signIn());
});

describe("an outcome event's page in the console", () => {
  it("shows each report: what was read, how it matched, and the routed event it credits", async () => {
    await postSigned("forms", { email: "ada@example.com" });
    await routeAndDeliver("forms");
    const lead = await latestEvent("forms");
    await postSigned("crm-generic", [{ email: "ada@example.com", outcome: "won" }, { email: "nobody@nowhere.dev", outcome: "lost" }, { outcome: "won" }]);
    const report = await latestEvent("crm-generic");
    expect(report.status).toBe("recorded");

    const html = await page(await consoleFetch("GET", `/events/${report.id}`, { session }));
    const words = text(html);
    expect(words).toContain("What it reported, and which leads it credits");
    expect(words).toContain("won for email ada@example.com");
    expect(words).toContain("by email ada@example.com");
    expect(words).toContain(`${lead.id} route inbound`);
    expect(words).toContain("No lead found: email nobody@nowhere.dev: no lead has it.");
    expect(words).toContain("Items without an outcome (1)");
    expect(words).not.toContain("No decision trace is stored");
  });

  it("shows why an unreadable report is invalid", async () => {
    await postSigned("crm-generic", { outcome: "promoted" });
    const report = await latestEvent("crm-generic");
    const words = text(await page(await consoleFetch("GET", `/events/${report.id}`, { session })));
    expect(report.status).toBe("invalid");
    expect(words).toContain("Could not be read as generic: Not a generic outcome payload");
  });
});
