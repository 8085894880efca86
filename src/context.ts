/** The Hono environment shared by every route: bindings plus per-request values. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
  };
}
