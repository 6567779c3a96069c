// Our proto/ subset against the official clarifai.api definitions shipped in
// `clarifai-nodejs-grpc`: every message, field, enum value and RPC that we
// declare must exist there with the same full name, number, type, label and
// oneof membership, so that our bytes are the platform's bytes.
import protobuf from "protobufjs";
import { describe, expect, test } from "vitest";

import {
  collectDefinitions,
  compareEnum,
  compareRoots,
  compareService,
  compareType,
  fullNameOf,
} from "./proto-compare.js";
import { loadOfficialRoot, loadOurRoot } from "./proto-roots.js";

const official = loadOfficialRoot();
const ours = loadOurRoot();
const defs = collectDefinitions(ours);

describe("our proto subset conforms to the official clarifai.api definitions", () => {
  test.each(defs.types.map((t) => [fullNameOf(t), t] as const))("message %s", (_name, type) => {
    expect(compareType(type, official)).toEqual([]);
  });

  test.each(defs.enums.map((e) => [fullNameOf(e), e] as const))("enum %s", (_name, en) => {
    expect(compareEnum(en, official)).toEqual([]);
  });

  test.each(defs.services.map((s) => [fullNameOf(s), s] as const))("service %s", (_name, service) => {
    expect(compareService(service, official)).toEqual([]);
  });

  test("the whole subset, in one list", () => {
    expect(compareRoots(ours, official)).toEqual([]);
  });
});

describe("our proto subset declares what the wire layer needs", () => {
  const messages = [
    "clarifai.api.UserAppIDSet",
    "clarifai.api.Input",
    "clarifai.api.Data",
    "clarifai.api.Image",
    "clarifai.api.Video",
    "clarifai.api.Audio",
    "clarifai.api.Text",
    "clarifai.api.Concept",
    "clarifai.api.Geo",
    "clarifai.api.GeoPoint",
    "clarifai.api.Annotation",
    "clarifai.api.Region",
    "clarifai.api.RegionInfo",
    "clarifai.api.BoundingBox",
    "clarifai.api.Polygon",
    "clarifai.api.Point",
    "clarifai.api.Dataset",
    "clarifai.api.InputsAddJob",
    "clarifai.api.InputsAddJobProgress",
    "clarifai.api.InputsExtractionJob",
    "clarifai.api.InputsExtractionJobProgress",
    "clarifai.api.InputsDataSource",
    "clarifai.api.DataSourceURL",
    "clarifai.api.DataSourceCredentials",
    "clarifai.api.AWSCreds",
    "clarifai.api.AzureBlobCreds",
    "clarifai.api.Upload",
    "clarifai.api.UploadContentPart",
    "clarifai.api.InputsUpload",
    "clarifai.api.status.Status",
  ];
  const enums = ["clarifai.api.InputIDConflictResolution", "clarifai.api.status.StatusCode"];
  const rpcs = [
    "PostInputs",
    "GetInput",
    "ListInputs",
    "DeleteInputs",
    "GetInputCount",
    "PostAnnotations",
    "ListAnnotations",
    "PostDatasets",
    "GetDataset",
    "ListDatasets",
    "PostDatasetInputs",
    "GetInputsAddJob",
    "ListInputsAddJobs",
    "CancelInputsAddJob",
    "PostInputsDataSources",
    "GetInputsExtractionJob",
    "ListInputsExtractionJobs",
    "CancelInputsExtractionJobs",
    "PostInputsUploads",
    "PutUploadContentParts",
    "GetUpload",
  ];
  const statusCodes: Record<string, number> = {
    SUCCESS: 10000,
    MIXED_STATUS: 10010,
    CONN_EXCEED_HOURLY_LIMIT: 11003,
    CONN_THROTTLED: 11005,
    CONN_KEY_INVALID: 11008,
    CONN_KEY_NOT_FOUND: 11009,
    INPUT_SUCCESS: 30000,
    INPUT_PENDING: 30001,
    INPUT_FAILED: 30002,
    INPUT_IN_PROGRESS: 30003,
    INPUT_DUPLICATE: 30100,
    INPUT_UNSUPPORTED_FORMAT: 30101,
    INPUT_DOES_NOT_EXIST: 30102,
    INPUT_PERMISSION_DENIED: 30103,
    INPUT_INVALID_ARGUMENT: 30104,
    INPUT_OVER_LIMIT: 30105,
    INPUT_INVALID_URL: 30106,
  };

  test("messages", () => {
    const declared = new Set(defs.types.map(fullNameOf));
    expect(messages.filter((m) => !declared.has(m))).toEqual([]);
  });

  test("enums", () => {
    const declared = new Set(defs.enums.map(fullNameOf));
    expect(enums.filter((e) => !declared.has(e))).toEqual([]);
  });

  test("service clarifai.api.V2 and its RPCs", () => {
    const v2 = ours.lookupService("clarifai.api.V2");
    expect(fullNameOf(v2)).toBe("clarifai.api.V2");
    expect(rpcs.filter((rpc) => v2.methods[rpc] === undefined)).toEqual([]);
  });

  test("status codes the client classifies", () => {
    const values = ours.lookupEnum("clarifai.api.status.StatusCode").values;
    const declared = Object.fromEntries(Object.keys(statusCodes).map((name) => [name, values[name]]));
    expect(declared).toEqual(statusCodes);
  });
});

describe("the comparison is not vacuous", () => {
  test("it looks at every field, value and rpc of the subset", () => {
    const fields = defs.types.reduce((n, t) => n + t.fieldsArray.length, 0);
    const values = defs.enums.reduce((n, e) => n + Object.keys(e.values).length, 0);
    const methods = defs.services.reduce((n, s) => n + s.methodsArray.length, 0);
    expect(defs.types.length).toBeGreaterThanOrEqual(30);
    expect(fields).toBeGreaterThanOrEqual(150);
    expect(values).toBeGreaterThanOrEqual(50);
    expect(methods).toBeGreaterThanOrEqual(21);
  });

  test("it reports each kind of difference on a deliberately altered copy of our subset", () => {
    const altered = loadOurRoot();
    const removeField = (type: protobuf.Type, name: string): void => {
      const old = type.fields[name];
      if (old !== undefined) type.remove(old);
    };
    const replaceField = (typeName: string, field: protobuf.Field): void => {
      const type = altered.lookupType(typeName);
      removeField(type, field.name);
      type.add(field);
    };

    // repeated -> singular
    replaceField("clarifai.api.Input", new protobuf.Field("dataset_ids", 7, "string"));
    // another number
    replaceField("clarifai.api.Image", new protobuf.Field("allow_duplicate_url", 3, "bool"));
    // another scalar type
    replaceField("clarifai.api.GeoPoint", new protobuf.Field("longitude", 1, "double"));
    // another message type
    replaceField("clarifai.api.InputsDataSource", new protobuf.Field("url", 2, "Data"));
    // a message where the official has an enum
    replaceField("clarifai.api.InputsUpload", new protobuf.Field("input_id_conflict_resolution", 4, "Input"));
    // a field the official message does not have, and a renamed one
    replaceField("clarifai.api.Input", new protobuf.Field("shoe_size", 99, "int32"));
    const text = altered.lookupType("clarifai.api.Text");
    removeField(text, "raw");
    text.add(new protobuf.Field("raw_text", 1, "string"));
    // proto3 `optional` where the official field is plain
    const dataset = altered.lookupType("clarifai.api.Dataset");
    removeField(dataset, "description");
    const description = new protobuf.Field("description", 7, "string", undefined, undefined, { proto3_optional: true });
    const synthetic = new protobuf.OneOf("_description");
    dataset.add(synthetic);
    dataset.add(description);
    synthetic.add(description);
    // s3_creds taken out of the `credentials` oneof
    const creds = altered.lookupType("clarifai.api.DataSourceCredentials");
    const credentials = creds.oneofs?.["credentials"];
    if (credentials !== undefined) creds.remove(credentials);
    for (const name of ["s3_creds", "gcp_creds", "azure_blob_creds"]) removeField(creds, name);
    creds.add(new protobuf.Field("s3_creds", 1, "AWSCreds"));
    creds.add(new protobuf.Field("gcp_creds", 2, "bytes"));
    creds.add(new protobuf.Field("azure_blob_creds", 4, "AzureBlobCreds"));
    creds.add(new protobuf.OneOf("credentials", ["gcp_creds", "azure_blob_creds"]));
    // a message the official package does not have
    (altered.lookup("clarifai.api") as protobuf.Namespace).add(new protobuf.Type("NotAMessage"));
    // enum values: another number, an unknown name
    const codes = altered.lookupEnum("clarifai.api.status.StatusCode");
    codes.remove("CONN_THROTTLED");
    codes.add("CONN_THROTTLED", 11099);
    codes.add("MADE_UP_CODE", 12345);
    const resolution = altered.lookupEnum("clarifai.api.InputIDConflictResolution");
    resolution.remove("SUFFIX");
    resolution.add("APPEND_SUFFIX", 2);
    // an rpc with another response type, an rpc the official service does not have
    const v2 = altered.lookupService("clarifai.api.V2");
    const postInputs = v2.methods["PostInputs"];
    if (postInputs !== undefined) v2.remove(postInputs);
    v2.add(new protobuf.Method("PostInputs", "rpc", "PostInputsRequest", "SingleInputResponse"));
    v2.add(new protobuf.Method("PostShoes", "rpc", "PostInputsRequest", "MultiInputResponse"));
    altered.resolveAll();

    const expected = [
      "enum clarifai.api.InputIDConflictResolution, value APPEND_SUFFIX = 2: no value of that name in the official enum (official 2 is SUFFIX)",
      "enum clarifai.api.status.StatusCode, value CONN_THROTTLED: number differs: ours 11099, official 11005",
      "enum clarifai.api.status.StatusCode, value MADE_UP_CODE = 12345: no value of that name in the official enum",
      "message clarifai.api.DataSourceCredentials, field s3_creds = 1: oneof differs: ours (none), official credentials",
      "message clarifai.api.Dataset, field description = 7: label differs: ours optional, official singular",
      "message clarifai.api.GeoPoint, field longitude = 1: type differs: ours double, official float",
      "message clarifai.api.Image, field allow_duplicate_url = 3: number differs: ours 3, official 4",
      "message clarifai.api.Input, field dataset_ids = 7: label differs: ours singular, official repeated",
      "message clarifai.api.Input, field shoe_size = 99: no field of that name in the official message",
      "message clarifai.api.InputsDataSource, field url = 2: type differs: ours message clarifai.api.Data, official message clarifai.api.DataSourceURL",
      "message clarifai.api.InputsUpload, field input_id_conflict_resolution = 4: type differs: ours message clarifai.api.Input, official enum clarifai.api.InputIDConflictResolution",
      "message clarifai.api.NotAMessage: not found in the official definitions (found nothing)",
      'message clarifai.api.Text, field raw_text = 1: no field of that name in the official message (official number 1 is "raw")',
      "service clarifai.api.V2, rpc PostInputs: response type differs: ours clarifai.api.SingleInputResponse, official clarifai.api.MultiInputResponse",
      "service clarifai.api.V2, rpc PostShoes: no rpc of that name in the official service",
    ];

    // Differences the real subset already has are reported by the tests above;
    // here only the deliberate ones matter, and nothing else may show up.
    const baseline = new Set(compareRoots(ours, official));
    const diffs = compareRoots(altered, official);
    expect(diffs).toEqual(expect.arrayContaining(expected));
    expect(diffs.filter((d) => !baseline.has(d) && !expected.includes(d))).toEqual([]);
  });

  test("a name that exists with another kind is reported", () => {
    const enumAsMessage = new protobuf.Type("InputIDConflictResolution");
    new protobuf.Root().define("clarifai.api").add(enumAsMessage);
    expect(compareType(enumAsMessage, official)).toEqual([
      "message clarifai.api.InputIDConflictResolution: not found in the official definitions (found enum)",
    ]);
  });
});
