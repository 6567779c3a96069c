// Loads our hand-written proto subset (proto/) and the official Clarifai
// definitions shipped in the devDependency `clarifai-nodejs-grpc` as
// protobufjs reflection roots, with field names kept exactly as in the .proto
// files (keepCase) so that names compare one to one.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

import protobuf from "protobufjs";

const require = createRequire(import.meta.url);

/** The repository root (this file lives in test/unit/gen/). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** Our proto import root: files import each other as "clarifai/api/...". */
export const OUR_PROTO_ROOT = path.join(REPO_ROOT, "proto");

/** The .proto files of our subset, relative to OUR_PROTO_ROOT. */
export const OUR_PROTO_FILES = [
  "clarifai/api/status/status_code.proto",
  "clarifai/api/status/status.proto",
  "clarifai/api/resources.proto",
  "clarifai/api/service.proto",
] as const;

/**
 * The official package folder. Its .proto files import each other as
 * "proto/clarifai/api/...", so the package folder is their import root.
 */
export const OFFICIAL_PACKAGE_ROOT = findPackageRoot(require.resolve("clarifai-nodejs-grpc"), "clarifai-nodejs-grpc");

/**
 * protobufjs v7 ships google/api/{annotations,http}.proto and
 * google/protobuf/descriptor.proto, which the official service.proto and the
 * clarifai auth extensions import. The other google/protobuf well-known types
 * (struct, timestamp, wrappers, duration, ...) are built into protobufjs.
 */
const PROTOBUFJS_ROOT = findPackageRoot(require.resolve("protobufjs"), "protobufjs");

/** The folder holding a package's package.json, found upwards from one of its files. */
function findPackageRoot(fileInPackage: string, packageName: string): string {
  let dir = path.dirname(fileInPackage);
  while (!existsSync(path.join(dir, "package.json"))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the package folder of ${packageName}`);
    dir = parent;
  }
  return dir;
}

const LOAD_OPTIONS: protobuf.IParseOptions = { keepCase: true };

function rootWithImportPaths(importRoots: readonly string[]): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (origin: string, target: string): string | null => {
    if (path.isAbsolute(target)) return target;
    for (const base of importRoots) {
      const candidate = path.join(base, target);
      if (existsSync(candidate)) return candidate;
    }
    // Let protobufjs fall back to its bundled well-known types
    // (it recognizes any path ending in google/protobuf/<name>.proto).
    return protobuf.util.path.resolve(origin, target);
  };
  return root;
}

/** Our subset, fully resolved. */
export function loadOurRoot(): protobuf.Root {
  const root = rootWithImportPaths([OUR_PROTO_ROOT]);
  root.loadSync(
    OUR_PROTO_FILES.map((file) => path.join(OUR_PROTO_ROOT, file)),
    LOAD_OPTIONS,
  );
  root.resolveAll();
  return root;
}

/** The official definitions (clarifai.api, clarifai.api.status, service V2), fully resolved. */
export function loadOfficialRoot(): protobuf.Root {
  const root = rootWithImportPaths([OFFICIAL_PACKAGE_ROOT, PROTOBUFJS_ROOT]);
  root.loadSync(
    [
      path.join(OFFICIAL_PACKAGE_ROOT, "proto/clarifai/api/status/status_code.proto"),
      path.join(OFFICIAL_PACKAGE_ROOT, "proto/clarifai/api/status/status.proto"),
      path.join(OFFICIAL_PACKAGE_ROOT, "proto/clarifai/api/resources.proto"),
      path.join(OFFICIAL_PACKAGE_ROOT, "proto/clarifai/api/service.proto"),
    ],
    LOAD_OPTIONS,
  );
  root.resolveAll();
  return root;
}
