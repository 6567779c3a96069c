import type { Status } from "../../gen/clarifai/api/status/status.js";
import type { Scope } from "../store/rows.js";

/** One authenticated, scoped call as a handler sees it. */
export interface Call<Req> {
  request: Req;
  scope: Scope;
  /** Size of the request on the wire (known for PostInputs). */
  requestBytes: number;
}

/** A handler plus how to answer its RPC with only a status (auth, throttling, errors). */
export interface Route<Req, Res> {
  reply(status: Status): Res;
  handle(call: Call<Req>): Promise<Res> | Res;
}
