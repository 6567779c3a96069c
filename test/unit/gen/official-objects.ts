// Helpers that turn decoded official messages into one plain shape, so a test
// can state the expected field values once and compare every decoder with it.
//
// The shape is protobufjs's `toObject` with TO_OBJECT_OPTIONS: proto field
// names (snake_case), only fields that are set, int64 as numbers, enums as
// numbers, bytes as base64 strings, and for each set oneof member the name of
// the oneof mapped to the member's name.
import { createRequire } from "node:module";

import protobuf from "protobufjs";

import { OFFICIAL_PACKAGE_ROOT } from "./proto-roots.js";

export const TO_OBJECT_OPTIONS: protobuf.IConversionOptions = {
  longs: Number,
  enums: Number,
  bytes: String,
  oneofs: true,
};

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** A plain object of the shape described above. */
export type PlainMessage = { [key: string]: unknown };

/**
 * google.protobuf.Value in the plain shape. protobufjs's built-in
 * well-known types name their fields in camelCase (keepCase does not apply).
 */
export function valueObject(value: Json): PlainMessage {
  if (value === null) return { nullValue: 0, kind: "nullValue" };
  if (typeof value === "boolean") return { boolValue: value, kind: "boolValue" };
  if (typeof value === "number") return { numberValue: value, kind: "numberValue" };
  if (typeof value === "string") return { stringValue: value, kind: "stringValue" };
  if (Array.isArray(value)) return { listValue: { values: value.map(valueObject) }, kind: "listValue" };
  return { structValue: structObject(value), kind: "structValue" };
}

/** google.protobuf.Struct in the plain shape. */
export function structObject(json: JsonObject): PlainMessage {
  return { fields: Object.fromEntries(Object.entries(json).map(([k, v]) => [k, valueObject(v)])) };
}

/** google.protobuf.Timestamp in the plain shape. */
export function timestampObject(date: Date): PlainMessage {
  const ms = date.getTime();
  const seconds = Math.floor(ms / 1000);
  const nanos = (ms - seconds * 1000) * 1_000_000;
  return nanos === 0 ? { seconds } : { seconds, nanos };
}

// ---------------------------------------------------------------------------
// The official google-protobuf (jspb) classes.

/**
 * The well-known-type classes of the google-protobuf copy the official
 * generated classes use (resolved from clarifai-nodejs-grpc, not ours).
 */
const requireFromOfficial = createRequire(`${OFFICIAL_PACKAGE_ROOT}/package.json`);

interface JspbStructClass {
  fromJavaScript(value: JsonObject): unknown;
}
interface JspbTimestampClass {
  fromDate(date: Date): unknown;
}

export const JspbStruct = (requireFromOfficial("google-protobuf/google/protobuf/struct_pb.js") as { Struct: JspbStructClass })
  .Struct;
export const JspbTimestamp = (
  requireFromOfficial("google-protobuf/google/protobuf/timestamp_pb.js") as { Timestamp: JspbTimestampClass }
).Timestamp;

type JspbMessage = { [method: string]: unknown };

interface JspbMap {
  getLength(): number;
  forEach(callback: (value: unknown, key: string | number) => void): void;
}

function callGetter(msg: JspbMessage, method: string): unknown {
  const fn = msg[method];
  if (typeof fn !== "function") {
    throw new Error(`official jspb class ${msg.constructor.name} has no method ${method}()`);
  }
  return (fn as (this: JspbMessage) => unknown).call(msg);
}

/** protoc's JavaScript generator's accessor suffix: user_app_id -> UserAppId. */
function jspbAccessorName(fieldName: string): string {
  return fieldName
    .split("_")
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");
}

function isDefaultScalar(value: unknown): boolean {
  return value === "" || value === 0 || value === false || value === null || value === undefined;
}

/**
 * Reads an official jspb message through its generated getters, walking the
 * official protobufjs reflection of the same message, into the plain shape.
 * google.protobuf.Struct goes through its own toJavaScript().
 */
export function jspbToObject(type: protobuf.Type, msg: unknown): PlainMessage {
  const message = msg as JspbMessage;
  if (type.fullName === ".google.protobuf.Struct") {
    return structObject(callGetter(message, "toJavaScript") as JsonObject);
  }
  const out: PlainMessage = {};
  for (const field of type.fieldsArray) {
    field.resolve();
    const accessor = jspbAccessorName(field.name);
    const inOneof = field.partOf !== null && field.options?.["proto3_optional"] !== true;
    const messageType = field.resolvedType instanceof protobuf.Type ? field.resolvedType : null;
    if (field.map) {
      const map = callGetter(message, `get${accessor}Map`) as JspbMap;
      if (map.getLength() === 0) continue;
      const entries: PlainMessage = {};
      map.forEach((value, key) => {
        entries[String(key)] = messageType ? jspbToObject(messageType, value) : value;
      });
      out[field.name] = entries;
      continue;
    }
    if (field.repeated) {
      const list = callGetter(message, `get${accessor}List${field.type === "bytes" ? "_asB64" : ""}`) as unknown[];
      if (list.length === 0) continue;
      out[field.name] = messageType ? list.map((item) => jspbToObject(messageType, item)) : [...list];
      continue;
    }
    if (inOneof && !callGetter(message, `has${accessor}`)) continue;
    if (messageType) {
      const value = callGetter(message, `get${accessor}`);
      if (value === undefined || value === null) continue;
      out[field.name] = jspbToObject(messageType, value);
    } else {
      const value = callGetter(message, `get${accessor}${field.type === "bytes" ? "_asB64" : ""}`);
      if (!inOneof && isDefaultScalar(value)) continue;
      out[field.name] = value;
    }
    if (inOneof) out[field.partOf!.name] = field.name;
  }
  return out;
}
