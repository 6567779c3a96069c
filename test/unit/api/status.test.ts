import { status as GrpcCode } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { classifyGrpcError, classifyInputStatus, classifyStatus, statusName } from "../../../src/api/status.js";
import { StatusCode } from "../../../src/gen/clarifai/api/status/status_code.js";

describe("status classification", () => {
  it("maps request-level Clarifai codes", () => {
    expect(classifyStatus(StatusCode.SUCCESS)).toBe("success");
    expect(classifyStatus(StatusCode.MIXED_STATUS)).toBe("per_input");
    expect(classifyStatus(StatusCode.FAILURE, true)).toBe("per_input");
    expect(classifyStatus(StatusCode.FAILURE, false)).toBe("fatal");
    expect(classifyStatus(StatusCode.CONN_THROTTLED)).toBe("retry");
    expect(classifyStatus(StatusCode.CONN_EXCEED_HOURLY_LIMIT)).toBe("retry");
    expect(classifyStatus(StatusCode.INTERNAL_SERVER_ISSUE)).toBe("retry");
    expect(classifyStatus(StatusCode.INTERNAL_UNCATEGORIZED)).toBe("retry");
    expect(classifyStatus(StatusCode.CONN_KEY_INVALID)).toBe("auth");
    expect(classifyStatus(StatusCode.CONN_KEY_NOT_FOUND)).toBe("auth");
    expect(classifyStatus(StatusCode.CONN_INSUFFICIENT_SCOPES)).toBe("auth");
    expect(classifyStatus(StatusCode.INPUT_INVALID_ARGUMENT)).toBe("fatal");
    expect(classifyStatus(StatusCode.BAD_REQUEST)).toBe("fatal");
  });

  it("maps per-input codes", () => {
    expect(classifyInputStatus(StatusCode.INPUT_PENDING)).toBe("accepted");
    expect(classifyInputStatus(StatusCode.INPUT_SUCCESS)).toBe("accepted");
    expect(classifyInputStatus(StatusCode.INPUT_DUPLICATE)).toBe("duplicate");
    // INPUT_FAILED in a PostInputs answer is the platform's "try again".
    expect(classifyInputStatus(StatusCode.INPUT_FAILED)).toBe("retry");
    expect(classifyInputStatus(StatusCode.INPUT_CONNECTION_FAILED)).toBe("retry");
    expect(classifyInputStatus(StatusCode.INTERNAL_SERVER_ISSUE)).toBe("retry");
    expect(classifyInputStatus(StatusCode.INPUT_UNSUPPORTED_FORMAT)).toBe("failed");
    expect(classifyInputStatus(StatusCode.INPUT_OVER_LIMIT)).toBe("failed");
    expect(classifyInputStatus(StatusCode.INPUT_INVALID_ARGUMENT)).toBe("failed");
  });

  it("maps gRPC transport codes", () => {
    expect(classifyGrpcError(GrpcCode.UNAVAILABLE)).toBe("retry");
    expect(classifyGrpcError(GrpcCode.DEADLINE_EXCEEDED)).toBe("retry");
    expect(classifyGrpcError(GrpcCode.RESOURCE_EXHAUSTED)).toBe("retry");
    expect(classifyGrpcError(GrpcCode.UNAUTHENTICATED)).toBe("auth");
    expect(classifyGrpcError(GrpcCode.PERMISSION_DENIED)).toBe("auth");
    expect(classifyGrpcError(GrpcCode.INVALID_ARGUMENT)).toBe("fatal");
    expect(classifyGrpcError(GrpcCode.UNIMPLEMENTED)).toBe("fatal");
  });

  it("names codes by their first (non-deprecated) name", () => {
    expect(statusName(30000)).toBe("INPUT_SUCCESS (30000)");
    expect(statusName(11005)).toBe("CONN_THROTTLED (11005)");
    expect(statusName(12345)).toBe("12345");
  });
});
