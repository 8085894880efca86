/** The Hono environment shared by every route: bindings plus per-request values. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    /** Set by the ingest route for its log line. */
    eventId?: string;
    outcome?: "accepted" | "duplicate" | "handshake";
  };
}
