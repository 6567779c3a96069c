import { posix, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * A folder read as a bucket listing: the files directly in `dir` whose name
 * starts with `prefix`, and everything under its sub-folders whose name starts
 * with `prefix`. An object's key is `keyPrefix` + its path relative to `dir`.
 * `requiredDir` must exist (else the job fails: "`requiredWhat` does not
 * exist"); `dir` itself may be missing (nothing matches).
 */
export interface FolderSource {
  kind: "folder";
  dir: string;
  prefix: string;
  keyPrefix: string;
  requiredDir: string;
  requiredWhat: string;
}

/** An uploaded archive: DIR/uploads/<dir>/content, its entries keyed under `key`. */
export interface UploadSource {
  kind: "upload";
  dir: string;
  key: string;
}

export type ExtractionSource = FolderSource | UploadSource;

/** Local folders that stand in for cloud storage. */
export interface StorageRoots {
  /** s3://BUCKET/KEY is read from s3Root/BUCKET/KEY. */
  s3Root?: string;
  /** gs://BUCKET/KEY is read from gsRoot/BUCKET/KEY. */
  gsRoot?: string;
}

export type ResolvedUrl = { ok: true; source: FolderSource } | { ok: false; description: string };

const BUCKET = /^[A-Za-z0-9._-]+$/;
const AZURE = /^(?:https?:\/\/[^/]+\.blob\.core\.windows\.net(?:\/|$)|(?:azure|az|wasbs?|abfss?):\/\/)/i;

/**
 * Resolves a data source URL to a local folder listing, as the platform reads
 * a bucket: the URL is a prefix filter (s3://bucket/images/abc matches
 * images/abc1.jpg and images/abc-1/x.zip; s3://bucket/images/ matches all of
 * images/). Supported offline: file:///abs/path, s3:// against roots.s3Root and
 * gs:// against roots.gsRoot. Azure blob URLs and other schemes are refused.
 */
export function resolveSourceUrl(url: string, roots: StorageRoots): ResolvedUrl {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    return fail(`'${url}' is not a URL; use s3://BUCKET/PREFIX, gs://BUCKET/PREFIX or file:///PATH`);
  }
  if (AZURE.test(url)) {
    return fail(
      "Azure Blob Storage is not reachable by the local server (it works offline); " +
        "use s3:// with --s3-root, gs:// with --gs-root, or file://",
    );
  }
  switch (scheme) {
    case "s3":
      return bucketUrl(url, "s3", "S3", roots.s3Root, "--s3-root DIR (ServerOptions.s3Root)");
    case "gs":
      return bucketUrl(url, "gs", "Google Cloud Storage", roots.gsRoot, "--gs-root DIR (ServerOptions.gsRoot)");
    case "file":
      return fileUrl(url);
    default:
      return fail(
        `'${scheme}:' URLs are not a data source; use s3://BUCKET/PREFIX, gs://BUCKET/PREFIX, ` +
          "an Azure blob URL (not reachable offline) or file:///PATH",
      );
  }
}

function fail(description: string): ResolvedUrl {
  return { ok: false, description };
}

function bucketUrl(url: string, scheme: string, what: string, root: string | undefined, flag: string): ResolvedUrl {
  if (root === undefined || root === "") {
    return fail(
      `${what} is not reachable by the local server (it works offline); start it with ${flag} ` +
        `to read ${scheme}://BUCKET/KEY from DIR/BUCKET/KEY`,
    );
  }
  const rest = url.replace(new RegExp(`^${scheme}:/{1,2}`, "i"), "");
  const slash = rest.indexOf("/");
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const key = slash < 0 ? "" : rest.slice(slash + 1);
  if (!BUCKET.test(bucket) || bucket === "." || bucket === "..") {
    return fail(`'${url}' does not name a bucket: expected ${scheme}://BUCKET/PREFIX`);
  }
  if (key.split("/").some((segment) => segment === "." || segment === "..")) {
    return fail(`'${url}': a key may not contain '.' or '..' segments`);
  }
  const cut = key.lastIndexOf("/") + 1;
  const folder = key.slice(0, cut);
  const base = resolve(root);
  const bucketDir = resolve(base, bucket);
  const dir = resolve(bucketDir, folder);
  if (!inside(bucketDir, base) || !(dir === bucketDir || inside(dir, bucketDir))) {
    return fail(`'${url}' leaves the bucket`);
  }
  return {
    ok: true,
    source: {
      kind: "folder",
      dir,
      prefix: key.slice(cut),
      keyPrefix: `${bucket}/${folder}`,
      requiredDir: bucketDir,
      requiredWhat: `bucket '${bucket}'`,
    },
  };
}

function fileUrl(url: string): ResolvedUrl {
  let path: string;
  try {
    path = fileURLToPath(url);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return fail(`'${url}' is not a usable file URL (${why}); use file:///ABSOLUTE/PATH`);
  }
  const cut = path.lastIndexOf("/") + 1;
  const dir = path.slice(0, cut) || "/";
  const normalized = posix.normalize(dir);
  return {
    ok: true,
    source: {
      kind: "folder",
      dir: normalized,
      prefix: path.slice(cut),
      keyPrefix: normalized.replace(/^\/+/, ""),
      requiredDir: normalized,
      requiredWhat: `folder ${normalized}`,
    },
  };
}

function inside(child: string, parent: string): boolean {
  return child.startsWith(parent.endsWith(sep) ? parent : parent + sep);
}

/** The URL as it may appear in logs: no user info, no query (which may hold a signature). */
export function redactUrl(url: string): string {
  return url.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/@]*@/, "$1").replace(/[?#].*$/, "");
}
