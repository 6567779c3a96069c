// The project's Clarifai API subset loaded with protobufjs, as a client written without
// this project's code would load it.
import { join, resolve } from "node:path";
import protobuf from "protobufjs";

const PROTO = resolve(import.meta.dirname, "..", "proto");

export function loadClarifaiApi() {
  const root = new protobuf.Root();
  // protobufjs ships the google/protobuf types; everything else lives under proto/.
  root.resolvePath = (_origin, target) => (target.startsWith("google/protobuf/") ? target : join(PROTO, target));
  root.loadSync("clarifai/api/service.proto");
  return {
    PostInputsRequest: root.lookupType("clarifai.api.PostInputsRequest"),
    MultiInputResponse: root.lookupType("clarifai.api.MultiInputResponse"),
  };
}
