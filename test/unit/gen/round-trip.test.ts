// Bytes written by our generated ts-proto code decode with the official
// definitions (protobufjs over the official .proto files, and the official
// google-protobuf classes from clarifai-nodejs-grpc), and bytes written by
// the official code decode with ours, field for field.
import resourcesPb from "clarifai-nodejs-grpc/proto/clarifai/api/resources_pb";
import servicePb from "clarifai-nodejs-grpc/proto/clarifai/api/service_pb";
import statusPb from "clarifai-nodejs-grpc/proto/clarifai/api/status/status_pb";
import type protobuf from "protobufjs";
import { describe, expect, test } from "vitest";

import {
  DataSourceCredentials,
  InputIDConflictResolution,
  InputsDataSource,
} from "../../../src/gen/clarifai/api/resources.js";
import { encodeThroughSlots } from "../../helpers/slotted-encoding.js";
import { MultiInputResponse, PostInputsRequest } from "../../../src/gen/clarifai/api/service.js";
import { StatusCode } from "../../../src/gen/clarifai/api/status/status_code.js";
import {
  type JsonObject,
  JspbStruct,
  JspbTimestamp,
  jspbToObject,
  type PlainMessage,
  structObject,
  timestampObject,
  TO_OBJECT_OPTIONS,
} from "./official-objects.js";
import { loadOfficialRoot } from "./proto-roots.js";

const official = loadOfficialRoot();

/** A float as it comes back from a 32-bit `float` field. */
const f32 = Math.fround;

/** Every byte value, behind a JPEG signature. */
const IMAGE_BYTES = Buffer.concat([
  Buffer.from([0xff, 0xd8, 0xff, 0xe0]),
  Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
  Buffer.from([0xff, 0xd9]),
]);

const METADATA: JsonObject = {
  source: "folder",
  path: "cats/001.jpg",
  score: 0.5,
  tags: ["cat", "indoor", 3, false],
  nested: { ok: true, nothing: null, count: -3, unicode: "chat ✓ 猫" },
};

const CREATED = new Date("2024-05-06T07:08:09.123Z");
const MODIFIED = new Date("2024-05-06T07:09:10Z");

// ---------------------------------------------------------------------------
// PostInputsRequest

const postInputs = PostInputsRequest.fromPartial({
  userAppId: { userId: "alice", appId: "photos" },
  inputs: [
    {
      id: "cats-001",
      data: {
        image: { base64: IMAGE_BYTES },
        concepts: [
          { id: "cat", name: "Cat", value: 1 },
          { id: "dog", value: 0 },
        ],
        metadata: METADATA,
        geo: { geoPoint: { longitude: f32(-122.4194), latitude: f32(37.7749) } },
        regions: [
          {
            id: "r-box",
            regionInfo: { boundingBox: { topRow: f32(0.1), leftCol: f32(0.2), bottomRow: f32(0.75), rightCol: f32(0.9) } },
            data: { concepts: [{ id: "cat", value: 1 }] },
          },
          {
            id: "r-poly",
            regionInfo: {
              polygon: {
                points: [
                  { row: f32(0.1), col: f32(0.1) },
                  { row: f32(0.2), col: f32(0.8) },
                  { row: f32(0.9), col: f32(0.45) },
                ],
              },
            },
            data: { concepts: [{ id: "dog", value: f32(0.8) }] },
          },
        ],
      },
      datasetIds: ["pets", "train"],
    },
    {
      id: "note-1",
      data: { text: { raw: "héllo wörld ✓ 🐱" }, concepts: [{ id: "greeting", value: 1 }] },
      datasetIds: ["pets"],
    },
    {
      id: "remote-1",
      data: { image: { url: "https://example.com/cat.jpg", allowDuplicateUrl: true } },
    },
  ],
  inputsAddJobId: "job-42",
  inputIdConflictResolution: InputIDConflictResolution.SUFFIX,
});

const postInputsOfficial: PlainMessage = {
  user_app_id: { user_id: "alice", app_id: "photos" },
  inputs: [
    {
      id: "cats-001",
      data: {
        image: { base64: IMAGE_BYTES.toString("base64") },
        concepts: [{ id: "cat", name: "Cat", value: 1 }, { id: "dog" }],
        metadata: structObject(METADATA),
        geo: { geo_point: { longitude: f32(-122.4194), latitude: f32(37.7749) } },
        regions: [
          {
            id: "r-box",
            region_info: { bounding_box: { top_row: f32(0.1), left_col: f32(0.2), bottom_row: f32(0.75), right_col: f32(0.9) } },
            data: { concepts: [{ id: "cat", value: 1 }] },
          },
          {
            id: "r-poly",
            region_info: {
              polygon: {
                points: [
                  { row: f32(0.1), col: f32(0.1) },
                  { row: f32(0.2), col: f32(0.8) },
                  { row: f32(0.9), col: f32(0.45) },
                ],
              },
            },
            data: { concepts: [{ id: "dog", value: f32(0.8) }] },
          },
        ],
      },
      dataset_ids: ["pets", "train"],
    },
    {
      id: "note-1",
      data: { text: { raw: "héllo wörld ✓ 🐱" }, concepts: [{ id: "greeting", value: 1 }] },
      dataset_ids: ["pets"],
    },
    {
      id: "remote-1",
      data: { image: { url: "https://example.com/cat.jpg", allow_duplicate_url: true } },
    },
  ],
  inputs_add_job_id: "job-42",
  input_id_conflict_resolution: 2,
};

function jspbConcept(id: string, value: number, name = ""): resourcesPb.Concept {
  return new resourcesPb.Concept().setId(id).setName(name).setValue(value);
}

function jspbPoint(row: number, col: number): resourcesPb.Point {
  return new resourcesPb.Point().setRow(row).setCol(col);
}

/** The same request, built with the official google-protobuf classes' setters. */
function jspbPostInputs(): servicePb.PostInputsRequest {
  const image = new resourcesPb.Input()
    .setId("cats-001")
    .setDatasetIdsList(["pets", "train"])
    .setData(
      new resourcesPb.Data()
        .setImage(new resourcesPb.Image().setBase64(new Uint8Array(IMAGE_BYTES)))
        .setConceptsList([jspbConcept("cat", 1, "Cat"), jspbConcept("dog", 0)])
        .setMetadata(JspbStruct.fromJavaScript(METADATA))
        .setGeo(new resourcesPb.Geo().setGeoPoint(new resourcesPb.GeoPoint().setLongitude(-122.4194).setLatitude(37.7749)))
        .setRegionsList([
          new resourcesPb.Region()
            .setId("r-box")
            .setRegionInfo(
              new resourcesPb.RegionInfo().setBoundingBox(
                new resourcesPb.BoundingBox().setTopRow(0.1).setLeftCol(0.2).setBottomRow(0.75).setRightCol(0.9),
              ),
            )
            .setData(new resourcesPb.Data().setConceptsList([jspbConcept("cat", 1)])),
          new resourcesPb.Region()
            .setId("r-poly")
            .setRegionInfo(
              new resourcesPb.RegionInfo().setPolygon(
                new resourcesPb.Polygon().setPointsList([jspbPoint(0.1, 0.1), jspbPoint(0.2, 0.8), jspbPoint(0.9, 0.45)]),
              ),
            )
            .setData(new resourcesPb.Data().setConceptsList([jspbConcept("dog", 0.8)])),
        ]),
    );
  const text = new resourcesPb.Input()
    .setId("note-1")
    .setDatasetIdsList(["pets"])
    .setData(
      new resourcesPb.Data()
        .setText(new resourcesPb.Text().setRaw("héllo wörld ✓ 🐱"))
        .setConceptsList([jspbConcept("greeting", 1)]),
    );
  const remote = new resourcesPb.Input()
    .setId("remote-1")
    .setData(
      new resourcesPb.Data().setImage(new resourcesPb.Image().setUrl("https://example.com/cat.jpg").setAllowDuplicateUrl(true)),
    );
  return new servicePb.PostInputsRequest()
    .setUserAppId(new resourcesPb.UserAppIDSet().setUserId("alice").setAppId("photos"))
    .setInputsList([image, text, remote])
    .setInputsAddJobId("job-42")
    .setInputIdConflictResolution(resourcesPb.InputIDConflictResolution.SUFFIX);
}

// ---------------------------------------------------------------------------
// MultiInputResponse

const multiInput = MultiInputResponse.fromPartial({
  status: { code: StatusCode.MIXED_STATUS, description: "Mixed Success", reqId: "req-7f3a" },
  inputs: [
    {
      id: "cats-001",
      data: { image: { url: "https://example.com/cat.jpg" } },
      createdAt: CREATED,
      modifiedAt: MODIFIED,
      status: { code: StatusCode.INPUT_PENDING, description: "Download pending" },
      datasetIds: ["pets"],
    },
    {
      id: "cats-002",
      status: {
        code: StatusCode.INPUT_DUPLICATE,
        description: "Input has a duplicate ID.",
        details: "input id cats-002 already exists",
      },
    },
  ],
  inputsAddJob: {
    id: "job-42",
    progress: { pendingCount: 3, inProgressCount: 1, successCount: 5_000_000_000, failedCount: 4 },
    createdAt: CREATED,
    modifiedAt: MODIFIED,
    status: { code: StatusCode.JOB_RUNNING, description: "Job is running", percentCompleted: 55 },
  },
});

const multiInputOfficial: PlainMessage = {
  status: { code: 10010, description: "Mixed Success", req_id: "req-7f3a" },
  inputs: [
    {
      id: "cats-001",
      data: { image: { url: "https://example.com/cat.jpg" } },
      created_at: timestampObject(CREATED),
      modified_at: timestampObject(MODIFIED),
      status: { code: 30001, description: "Download pending" },
      dataset_ids: ["pets"],
    },
    {
      id: "cats-002",
      status: { code: 30100, description: "Input has a duplicate ID.", details: "input id cats-002 already exists" },
    },
  ],
  inputs_add_job: {
    id: "job-42",
    progress: { pending_count: 3, in_progress_count: 1, success_count: 5_000_000_000, failed_count: 4 },
    created_at: timestampObject(CREATED),
    modified_at: timestampObject(MODIFIED),
    status: { code: 64001, description: "Job is running", percent_completed: 55 },
  },
};

function jspbMultiInput(): servicePb.MultiInputResponse {
  const pending = new resourcesPb.Input()
    .setId("cats-001")
    .setData(new resourcesPb.Data().setImage(new resourcesPb.Image().setUrl("https://example.com/cat.jpg")))
    .setCreatedAt(JspbTimestamp.fromDate(CREATED))
    .setModifiedAt(JspbTimestamp.fromDate(MODIFIED))
    .setStatus(new statusPb.Status().setCode(30001).setDescription("Download pending"))
    .setDatasetIdsList(["pets"]);
  const duplicate = new resourcesPb.Input()
    .setId("cats-002")
    .setStatus(
      new statusPb.Status()
        .setCode(30100)
        .setDescription("Input has a duplicate ID.")
        .setDetails("input id cats-002 already exists"),
    );
  const job = new resourcesPb.InputsAddJob()
    .setId("job-42")
    .setProgress(
      new resourcesPb.InputsAddJobProgress()
        .setPendingCount(3)
        .setInProgressCount(1)
        .setSuccessCount(5_000_000_000)
        .setFailedCount(4),
    )
    .setCreatedAt(JspbTimestamp.fromDate(CREATED))
    .setModifiedAt(JspbTimestamp.fromDate(MODIFIED))
    .setStatus(new statusPb.Status().setCode(64001).setDescription("Job is running").setPercentCompleted(55));
  return new servicePb.MultiInputResponse()
    .setStatus(new statusPb.Status().setCode(10010).setDescription("Mixed Success").setReqId("req-7f3a"))
    .setInputsList([pending, duplicate])
    .setInputsAddJob(job);
}

// ---------------------------------------------------------------------------
// InputsDataSource

const dataSource = InputsDataSource.fromPartial({
  inputsAddJobId: "job-s3",
  url: {
    url: "s3://my-bucket/images/",
    credentials: {
      s3Creds: { region: "us-east-1", id: "AKIAEXAMPLE", secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCY", token: "session-token" },
    },
  },
  inputIdConflictResolution: InputIDConflictResolution.SKIP,
  inputTemplate: {
    datasetIds: ["pets"],
    data: { concepts: [{ id: "cat", value: 1 }], metadata: { source: "s3", batch: 7 } },
  },
});

const dataSourceOfficial: PlainMessage = {
  inputs_add_job_id: "job-s3",
  url: {
    url: "s3://my-bucket/images/",
    credentials: {
      s3_creds: { region: "us-east-1", id: "AKIAEXAMPLE", secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCY", token: "session-token" },
      credentials: "s3_creds",
    },
  },
  input_id_conflict_resolution: 1,
  input_template: {
    dataset_ids: ["pets"],
    data: { concepts: [{ id: "cat", value: 1 }], metadata: structObject({ source: "s3", batch: 7 }) },
  },
};

function jspbDataSource(): resourcesPb.InputsDataSource {
  return new resourcesPb.InputsDataSource()
    .setInputsAddJobId("job-s3")
    .setUrl(
      new resourcesPb.DataSourceURL()
        .setUrl("s3://my-bucket/images/")
        .setCredentials(
          new resourcesPb.DataSourceCredentials().setS3Creds(
            new resourcesPb.AWSCreds()
              .setRegion("us-east-1")
              .setId("AKIAEXAMPLE")
              .setSecret("wJalrXUtnFEMI/K7MDENG+bPxRfiCY")
              .setToken("session-token"),
          ),
        ),
    )
    .setInputIdConflictResolution(resourcesPb.InputIDConflictResolution.SKIP)
    .setInputTemplate(
      new resourcesPb.Input()
        .setDatasetIdsList(["pets"])
        .setData(
          new resourcesPb.Data()
            .setConceptsList([jspbConcept("cat", 1)])
            .setMetadata(JspbStruct.fromJavaScript({ source: "s3", batch: 7 })),
        ),
    );
}

// ---------------------------------------------------------------------------

interface OurCodec<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(input: Uint8Array): T;
}

interface JspbMessageClass {
  deserializeBinary(bytes: Uint8Array): { serializeBinary(): Uint8Array };
}

interface Case<T> {
  readonly name: string;
  readonly ours: OurCodec<T>;
  readonly sample: T;
  readonly officialObject: PlainMessage;
  readonly jspbClass: JspbMessageClass;
  readonly jspbBuild: () => { serializeBinary(): Uint8Array };
}

function defineCase<T>(c: Case<T>): Case<T> {
  return c;
}

/** The uploader's own PostInputs encoding (media bytes read into their slots), decoded by the generated code. */
const uploadEncoding: OurCodec<PostInputsRequest> = {
  encode: (message) => ({ finish: () => encodeThroughSlots(message).buffer }),
  decode: (bytes) => PostInputsRequest.decode(bytes),
};

const cases = [
  defineCase({
    name: "clarifai.api.PostInputsRequest",
    ours: PostInputsRequest,
    sample: postInputs,
    officialObject: postInputsOfficial,
    jspbClass: servicePb.PostInputsRequest,
    jspbBuild: jspbPostInputs,
  }),
  defineCase({
    name: "clarifai.api.PostInputsRequest",
    ours: uploadEncoding,
    sample: postInputs,
    officialObject: postInputsOfficial,
    jspbClass: servicePb.PostInputsRequest,
    jspbBuild: jspbPostInputs,
  }),
  defineCase({
    name: "clarifai.api.MultiInputResponse",
    ours: MultiInputResponse,
    sample: multiInput,
    officialObject: multiInputOfficial,
    jspbClass: servicePb.MultiInputResponse,
    jspbBuild: jspbMultiInput,
  }),
  defineCase({
    name: "clarifai.api.InputsDataSource",
    ours: InputsDataSource,
    sample: dataSource,
    officialObject: dataSourceOfficial,
    jspbClass: resourcesPb.InputsDataSource,
    jspbBuild: jspbDataSource,
  }),
] as const;

function officialType(name: string): protobuf.Type {
  return official.lookupType(name);
}

describe.each(cases)("$name", (c: Case<unknown>) => {
  const type = officialType(c.name);
  const ourBytes = c.ours.encode(c.sample).finish();

  test("our bytes decode with the official .proto definitions (protobufjs), every field equal", () => {
    const decoded = type.decode(ourBytes);
    expect(type.verify(decoded)).toBeNull();
    expect(type.toObject(decoded, TO_OBJECT_OPTIONS)).toEqual(c.officialObject);
  });

  test("our bytes decode with the official google-protobuf classes (deserializeBinary), every field equal", () => {
    const decoded = c.jspbClass.deserializeBinary(ourBytes);
    expect(jspbToObject(type, decoded)).toEqual(c.officialObject);
  });

  test("bytes encoded by the official .proto definitions (protobufjs) decode with ours", () => {
    const officialBytes = type.encode(type.fromObject(c.officialObject)).finish();
    expect(c.ours.decode(officialBytes)).toEqual(c.sample);
  });

  test("bytes encoded by the official google-protobuf classes decode with ours", () => {
    const officialBytes = c.jspbBuild().serializeBinary();
    // The hand-built official message is the expected one, read back the official way.
    expect(jspbToObject(type, c.jspbClass.deserializeBinary(officialBytes))).toEqual(c.officialObject);
    expect(c.ours.decode(officialBytes)).toEqual(c.sample);
  });

  test("ours -> official -> ours keeps every field (protobufjs drops fields it does not know)", () => {
    const viaOfficial = type.encode(type.decode(ourBytes)).finish();
    expect(c.ours.decode(viaOfficial)).toEqual(c.sample);
  });
});

describe("spot checks through the official google-protobuf getters", () => {
  test("PostInputsRequest", () => {
    const req = servicePb.PostInputsRequest.deserializeBinary(PostInputsRequest.encode(postInputs).finish());
    expect(req.getUserAppId()?.getUserId()).toBe("alice");
    expect(req.getUserAppId()?.getAppId()).toBe("photos");
    expect(req.getInputsAddJobId()).toBe("job-42");
    expect(req.getInputIdConflictResolution()).toBe(resourcesPb.InputIDConflictResolution.SUFFIX);
    const [image, text, remote] = req.getInputsList();
    expect(image?.getId()).toBe("cats-001");
    expect(Buffer.from(image?.getData()?.getImage()?.getBase64_asU8() ?? [])).toEqual(IMAGE_BYTES);
    expect(image?.getData()?.getConceptsList().map((c) => [c.getId(), c.getName(), c.getValue()])).toEqual([
      ["cat", "Cat", 1],
      ["dog", "", 0],
    ]);
    expect(image?.getData()?.getMetadata()?.toJavaScript()).toEqual(METADATA);
    expect(image?.getData()?.getGeo()?.getGeoPoint()?.getLatitude()).toBe(f32(37.7749));
    const [box, poly] = image?.getData()?.getRegionsList() ?? [];
    expect(box?.getRegionInfo()?.getBoundingBox()?.getBottomRow()).toBe(f32(0.75));
    expect(poly?.getRegionInfo()?.getPolygon()?.getPointsList().map((p) => [p.getRow(), p.getCol()])).toEqual([
      [f32(0.1), f32(0.1)],
      [f32(0.2), f32(0.8)],
      [f32(0.9), f32(0.45)],
    ]);
    expect(image?.getDatasetIdsList()).toEqual(["pets", "train"]);
    expect(text?.getData()?.getText()?.getRaw()).toBe("héllo wörld ✓ 🐱");
    expect(remote?.getData()?.getImage()?.getAllowDuplicateUrl()).toBe(true);
  });

  test("MultiInputResponse", () => {
    const res = servicePb.MultiInputResponse.deserializeBinary(MultiInputResponse.encode(multiInput).finish());
    expect(res.getStatus()?.getCode()).toBe(10010);
    expect(res.getInputsList().map((i) => [i.getId(), i.getStatus()?.getCode()])).toEqual([
      ["cats-001", 30001],
      ["cats-002", 30100],
    ]);
    expect(res.getInputsList()[0]?.getCreatedAt()?.toDate()).toEqual(CREATED);
    const progress = res.getInputsAddJob()?.getProgress();
    expect([
      progress?.getPendingCount(),
      progress?.getInProgressCount(),
      progress?.getSuccessCount(),
      progress?.getFailedCount(),
    ]).toEqual([3, 1, 5_000_000_000, 4]);
  });

  test("InputsDataSource", () => {
    const src = resourcesPb.InputsDataSource.deserializeBinary(InputsDataSource.encode(dataSource).finish());
    const creds = src.getUrl()?.getCredentials();
    expect(creds?.getCredentialsCase()).toBe(resourcesPb.DataSourceCredentials.CredentialsCase.S3_CREDS);
    expect(creds?.getS3Creds()?.getSecret()).toBe("wJalrXUtnFEMI/K7MDENG+bPxRfiCY");
    expect(src.getInputIdConflictResolution()).toBe(resourcesPb.InputIDConflictResolution.SKIP);
  });
});

describe("DataSourceCredentials: each member of the credentials oneof", () => {
  const type = officialType("clarifai.api.DataSourceCredentials");
  const members: Array<[string, DataSourceCredentials, PlainMessage]> = [
    [
      "s3_creds",
      DataSourceCredentials.fromPartial({ s3Creds: { region: "eu-west-1", id: "id", secret: "s", token: "" } }),
      { s3_creds: { region: "eu-west-1", id: "id", secret: "s" }, credentials: "s3_creds" },
    ],
    [
      "gcp_creds",
      DataSourceCredentials.fromPartial({ gcpCreds: Buffer.from('{"type":"service_account"}') }),
      { gcp_creds: Buffer.from('{"type":"service_account"}').toString("base64"), credentials: "gcp_creds" },
    ],
    [
      "azure_blob_creds",
      DataSourceCredentials.fromPartial({ azureBlobCreds: { accountName: "acct", accountKey: "key==" } }),
      { azure_blob_creds: { account_name: "acct", account_key: "key==" }, credentials: "azure_blob_creds" },
    ],
  ];

  test.each(members)("%s", (_name, ours, expected) => {
    const bytes = DataSourceCredentials.encode(ours).finish();
    expect(type.toObject(type.decode(bytes), TO_OBJECT_OPTIONS)).toEqual(expected);
    expect(jspbToObject(type, resourcesPb.DataSourceCredentials.deserializeBinary(bytes))).toEqual(expected);
    expect(DataSourceCredentials.decode(type.encode(type.fromObject(expected)).finish())).toEqual(ours);
  });
});
