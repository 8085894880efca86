import type { FaultInput, RecordedRequest } from "./common";
import type { FakeInfo, FakeType } from "./types";

/**
 * Talks to a running fake's control API over HTTP; only `fetch`, so it works inside
 * workerd (connector tests) and in Node scripts alike.
 */
export interface FakeHandle extends FakeInfo {
  fault(fault: FaultInput | FaultInput[]): Promise<void>;
  clearFaults(): Promise<void>;
  /** What the fake stores; the shape is the fake's (see its `exportRecords`). */
  records<T>(): Promise<T>;
  requests(): Promise<RecordedRequest[]>;
  reset(): Promise<void>;
  /** A fake's own control endpoint, `/__fake/<path>` (e.g. HubSpot's `companies`). */
  control<T>(method: string, path: string, body?: unknown): Promise<T>;
}

export function fakeHandle(info: FakeInfo): FakeHandle {
  const control = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${info.origin}/__fake/${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`fake ${info.type} control ${method} ${path}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  return {
    ...info,
    fault: async (fault) => void (await control("POST", "faults", fault)),
    clearFaults: async () => void (await control("DELETE", "faults")),
    records: async <T>() => (await control("GET", "records")) as T,
    requests: async () => (await control("GET", "requests")) as RecordedRequest[],
    reset: async () => void (await control("POST", "reset")),
    control: async <T>(method: string, path: string, body?: unknown) => (await control(method, path, body)) as T,
  };
}

/** Starts a private fake through the factory (see `startFakeFactory`). */
export async function createFake(factoryUrl: string, type: FakeType, options: object = {}): Promise<FakeHandle> {
  const response = await fetch(`${factoryUrl}/fakes`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ type, options }),
  });
  if (response.status !== 201) throw new Error(`fake factory: ${response.status} ${await response.text()}`);
  return fakeHandle((await response.json()) as FakeInfo);
}
