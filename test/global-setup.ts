import type { TestProject } from "vitest/node";
import { startFakeFactory, startFakes } from "./fakes/serve";
import type { FakeInfo, FakeType } from "./fakes/types";

/**
 * Runs in Node before the workerd test pool starts: serves the CRM contract fakes on
 * 127.0.0.1 and hands their addresses to tests through `inject("fakes")` (provide/
 * inject works inside @cloudflare/vitest-pool-workers; workerd reaches 127.0.0.1).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const shared = await startFakes();
  const factory = await startFakeFactory();
  project.provide("fakes", { shared: shared.fakes, factoryUrl: factory.url });
  return async () => {
    await factory.stop();
    await shared.stop();
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    fakes: {
      /** One of each fake, shared by every test file: read-mostly use only. */
      shared: Record<FakeType, FakeInfo>;
      /** `createFake(factoryUrl, type, options)` gives a test file its own fake. */
      factoryUrl: string;
    };
  }
}
