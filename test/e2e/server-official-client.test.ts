/**
 * The official generated gRPC client (clarifai-nodejs-grpc, google-protobuf
 * messages) against the local server over plaintext loopback: PostInputs,
 * GetInputsAddJob, ListInputs and DeleteInputs, as an SDK upload does them.
 */
import { credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import grpcPb from "clarifai-nodejs-grpc/proto/clarifai/api/service_grpc_pb";
import resourcesPb from "clarifai-nodejs-grpc/proto/clarifai/api/resources_pb";
import servicePb from "clarifai-nodejs-grpc/proto/clarifai/api/service_pb";
import type {
  MultiInputResponse,
  SingleInputsAddJobResponse,
} from "clarifai-nodejs-grpc/proto/clarifai/api/service_pb";
import type { BaseResponse } from "clarifai-nodejs-grpc/proto/clarifai/api/status/status_pb";
import statusPb from "clarifai-nodejs-grpc/proto/clarifai/api/status/status_pb";
import statusCodePb from "clarifai-nodejs-grpc/proto/clarifai/api/status/status_code_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makePng, startTestServer, TEST_PAT, type TestServer, TINY_JPEG, truncatedJpeg } from "../helpers/server.js";

const { StatusCode } = statusCodePb;

type Callback<Res> = (error: ServiceError | null, response: Res) => void;

/** Calls one unary method of the official client (request, metadata, callback). */
function call<Res>(
  method: (request: never, metadata: Metadata, callback: Callback<Res>) => unknown,
  request: unknown,
  metadata: Metadata,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    const invoke = method as (request: unknown, metadata: Metadata, callback: Callback<Res>) => unknown;
    invoke(request, metadata, (error, response) => (error !== null ? reject(error) : resolve(response)));
  });
}

describe("the official clarifai-nodejs-grpc V2Client against the local server", () => {
  let t: TestServer;
  let client: InstanceType<typeof grpcPb.V2Client>;
  const metadata = new Metadata();
  metadata.set("authorization", `Key ${TEST_PAT}`);
  const userAppId = new resourcesPb.UserAppIDSet().setUserId("official").setAppId("grpc-client");

  beforeAll(async () => {
    t = await startTestServer({ pats: [TEST_PAT] });
    client = new grpcPb.V2Client(t.address, credentials.createInsecure());
  });
  afterAll(async () => {
    client.close();
    await t.stop();
  });

  it("PostInputs -> GetInputsAddJob until done -> ListInputs(ids, status 30000) -> DeleteInputs", async () => {
    const images: [string, Uint8Array][] = [
      ["official-1", TINY_JPEG],
      ["official-2", makePng(3, 3, 9)],
      ["official-bad", truncatedJpeg()],
    ];
    const inputs = images.map(([id, bytes]) =>
      new resourcesPb.Input()
        .setId(id)
        .setData(new resourcesPb.Data().setImage(new resourcesPb.Image().setBase64(bytes))),
    );
    const post = new servicePb.PostInputsRequest()
      .setUserAppId(userAppId)
      .setInputsList(inputs)
      .setInputsAddJobId("official-job");
    const posted = await call<MultiInputResponse>(client.postInputs.bind(client), post, metadata);
    expect(posted.getStatus()?.getCode()).toBe(StatusCode.SUCCESS);
    expect(posted.getInputsList().map((i) => i.getStatus()?.getCode())).toEqual([
      StatusCode.INPUT_DOWNLOAD_PENDING,
      StatusCode.INPUT_DOWNLOAD_PENDING,
      StatusCode.INPUT_DOWNLOAD_PENDING,
    ]);
    expect(posted.getInputsAddJob()?.getId()).toBe("official-job");

    const get = new servicePb.GetInputsAddJobRequest().setUserAppId(userAppId).setId("official-job");
    let progress = (await call<SingleInputsAddJobResponse>(client.getInputsAddJob.bind(client), get, metadata)).getInputsAddJob()?.getProgress();
    for (let i = 0; i < 100 && (progress?.getPendingCount() !== 0 || progress.getInProgressCount() !== 0); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const job = await call<SingleInputsAddJobResponse>(client.getInputsAddJob.bind(client), get, metadata);
      expect(job.getStatus()?.getCode()).toBe(StatusCode.SUCCESS);
      progress = job.getInputsAddJob()?.getProgress();
    }
    expect(progress?.toObject()).toEqual({ pendingCount: 0, inProgressCount: 0, successCount: 2, failedCount: 1 });

    const ids = images.map(([id]) => id);
    const list = new servicePb.ListInputsRequest()
      .setUserAppId(userAppId)
      .setIdsList(ids)
      .setPerPage(ids.length)
      .setStatus(new statusPb.Status().setCode(StatusCode.INPUT_DOWNLOAD_SUCCESS));
    const listed = await call<MultiInputResponse>(client.listInputs.bind(client), list, metadata);
    expect(listed.getStatus()?.getCode()).toBe(StatusCode.SUCCESS);
    const succeeded = listed.getInputsList().map((i) => i.getId());
    expect(succeeded.sort()).toEqual(["official-1", "official-2"]);
    const imageInfo = listed.getInputsList()[0]?.getData()?.getImage()?.getImageInfo();
    expect(imageInfo?.getWidth()).toBeGreaterThan(0);

    const missing = ids.filter((id) => !succeeded.includes(id));
    const del = new servicePb.DeleteInputsRequest().setUserAppId(userAppId).setIdsList(missing);
    const deleted = await call<BaseResponse>(client.deleteInputs.bind(client), del, metadata);
    expect(deleted.getStatus()?.getCode()).toBe(StatusCode.SUCCESS);

    const all = await call<MultiInputResponse>(
      client.listInputs.bind(client),
      new servicePb.ListInputsRequest().setUserAppId(userAppId),
      metadata,
    );
    expect(all.getInputsList().map((i) => i.getId()).sort()).toEqual(["official-1", "official-2"]);
  });

  it("decodes the server's error answers", async () => {
    const wrong = new Metadata();
    wrong.set("authorization", "Key not-the-pat");
    const res = await call<MultiInputResponse>(
      client.listInputs.bind(client),
      new servicePb.ListInputsRequest().setUserAppId(userAppId),
      wrong,
    );
    expect(res.getStatus()?.getCode()).toBe(StatusCode.CONN_KEY_INVALID);
    const tooMany = new servicePb.PostInputsRequest().setUserAppId(userAppId).setInputsList(
      Array.from({ length: 129 }, (_, i) =>
        new resourcesPb.Input()
          .setId(`t-${i}`)
          .setData(new resourcesPb.Data().setText(new resourcesPb.Text().setRaw("x"))),
      ),
    );
    const refused = await call<MultiInputResponse>(client.postInputs.bind(client), tooMany, metadata);
    expect(refused.getStatus()?.getCode()).toBe(StatusCode.INPUT_INVALID_ARGUMENT);
    expect(refused.getStatus()?.getDescription()).toMatch(/at most 128/);
  });
});
