import { accessSync, constants, createReadStream, statSync } from "node:fs";
import { resolve } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { codeOf, readProblem, UsageError } from "../errors.js";
import { listFiles } from "../sources/files.js";
import { walkFolder, type FolderOptions } from "../sources/folder.js";
import { readRecords } from "../sources/lines.js";
import { onceEach } from "../sources/once-each.js";
import { listUrls } from "../sources/urls.js";
import type { CsvType } from "../sources/manifest.js";
import type { Candidate, SourceReport } from "../sources/candidate.js";
import { inGroups, type CandidateGroups } from "../sources/groups.js";
import type { InputKind } from "../validate/limits.js";
import type { GlobalOptions } from "./global-options.js";
import { noSkips, warnWhenEmpty, warnWhenNothingMatched } from "./source-warnings.js";
import { runUploadCommand, type UploadCommand } from "./run-upload.js";
import { stdinFor, checkedStdinIsTerminal } from "./stdin-input.js";
import { refuseWhatDoesNotApply, runServerExtract, type ServerExtractFlags } from "./server-extract.js";
import { addUploadOptions, checkTyped, type RawUploadOptions } from "./upload-options.js";

/** Sets the exit code of the action; one place (main) turns it into the process's. */
export type CommandRunner = (run: () => Promise<number>) => Promise<void>;

interface FolderFlags extends RawUploadOptions {
  include?: string[];
  exclude?: string[];
  hidden?: boolean;
  ignoreCase?: boolean;
  followSymlinks?: boolean;
  expandZips?: boolean;
}

interface ManifestFlags extends RawUploadOptions {
  delimiter?: string;
  csvType?: CsvType;
  type?: InputKind;
}

interface FilesFlags extends RawUploadOptions {
  null?: boolean;
}

interface UrlsFlags extends RawUploadOptions {
  type?: InputKind;
}

/** Options about files on disk, which URL lists and manifests have no use for. */
const FILE_ONLY_OPTIONS = ["--labels-from-folder", "--sidecars"];

/** The shared upload options but those a command has no use for (long names), so that its --help does not offer them. */
function addUploadOptionsBut(command: Command, without: readonly string[]): Command {
  for (const option of addUploadOptions(new Command()).options) if (!without.includes(option.long ?? "")) command.addOption(option);
  return command;
}

/** Collects a repeatable glob; an empty one matches nothing and is refused. */
function collectGlob(value: string, previous: string[] = []): string[] {
  if (value.trim() === "") throw new InvalidArgumentError("an empty glob matches nothing; give a pattern, such as '*.jpg'");
  return [...previous, value];
}

/** Builds the upload command of a job log header again, for `resume`. */
export function uploadCommandFor(name: string, args: readonly string[], flags: Record<string, unknown>): UploadCommand {
  switch (name) {
    case "folder":
      return folderSource(args[0], flags as unknown as FolderFlags);
    case "files":
      if (args.includes("-")) throw new UsageError("this job read its file list from stdin: run the same command line again to continue it");
      return filesSource(args, flags as unknown as FilesFlags);
    case "urls":
      if (args.length === 0 || args[0] === "-") throw new UsageError("this job read its URL list from stdin: run the same command line again to continue it");
      return urlsSource(args[0], flags as unknown as UrlsFlags);
    case "zip":
      return zipSource(args[0]);
    case "manifest":
      if (args[0] === "-") throw new UsageError("this job read its manifest from stdin: run the same command line again to continue it");
      return manifestSource(args[0], flags as unknown as ManifestFlags);
    default:
      throw new UsageError(`cannot resume a job of command "${name}"`);
  }
}

function folderSource(dir: string, flags: FolderFlags): UploadCommand {
  const root = resolve(dir);
  let isDir: boolean;
  try {
    isDir = statSync(root).isDirectory();
  } catch (error) {
    const code = codeOf(error);
    throw new UsageError(`${dir}: ${code === "ENOENT" ? "no such folder" : code === "ENOTDIR" ? "not a folder" : readProblem(error)}`);
  }
  if (!isDir) throw new UsageError(`${dir}: not a folder`);
  return {
    name: "folder",
    args: [root],
    root,
    candidates: (report) => {
      const options: FolderOptions = { include: flags.include, exclude: flags.exclude, hidden: flags.hidden, ignoreCase: flags.ignoreCase, followSymlinks: flags.followSymlinks };
      const skipped = noSkips();
      const walk = warnWhenNothingMatched(
        walkFolder(root, {
          ...options,
          onLoop: (path) => report.warning(path, `${path}: symlink leads back into a folder already walked; not followed again`),
          onSkip: (path, why) => {
            skipped[why]++;
            report.leftOut?.(path, why);
          },
          onError: (path, code, what) =>
            report.rejected(
              path,
              "unreadable",
              what === "folder"
                ? `${path}: cannot list the folder (${code}); nothing under it is uploaded`
                : what === "folder_rest"
                  ? `${path}: cannot list the rest of the folder (${code}); the files it had not listed yet are not uploaded`
                  : `${path}: cannot read the file the link leads to (${code})`,
            ),
        }),
        dir,
        options,
        report,
        skipped,
      );
      return flags.expandZips ? expandZips(walk, report) : walk;
    },
  };
}

/** `--expand-zips`: each ZIP found in a folder is read entry by entry, like `zip ARCHIVE`. */
async function* expandZips(groups: CandidateGroups, report: SourceReport): CandidateGroups {
  for await (const group of groups) {
    let files: Candidate[] = [];
    for (const candidate of group) {
      if (candidate.content.kind !== "bytes" || !/\.zip$/i.test(candidate.relPath)) {
        files.push(candidate);
        continue;
      }
      if (files.length > 0) yield files;
      files = [];
      yield* inGroups((await import("../sources/zip.js")).readZip(candidate.source, report, { relPrefix: `${candidate.relPath}/` }));
    }
    if (files.length > 0) yield files;
  }
}

/**
 * The archive and manifest readers (yauzl, csv-parse) load only when such a source is
 * used, so that other commands start faster.
 */
async function* lazily<T>(load: () => Promise<AsyncIterable<T>>): AsyncGenerator<T> {
  yield* await load();
}

/** The file a command reads its inputs from, checked before any job is opened: a usage error names what is wrong. */
function checkReadableFile(given: string, path: string): void {
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
    if (isFile) accessSync(path, constants.R_OK);
  } catch (error) {
    throw new UsageError(`${given}: ${readProblem(error)}`);
  }
  if (!isFile) throw new UsageError(`${given}: not a file`);
}

function zipSource(archive: string): UploadCommand {
  const path = resolve(archive);
  checkReadableFile(archive, path);
  return { name: "zip", args: [path], candidates: (report) => inGroups(lazily(async () => (await import("../sources/zip.js")).readZip(path, report))) };
}

function manifestSource(file: string, flags: ManifestFlags): UploadCommand {
  const path = file === "-" ? "-" : resolve(file);
  if (path !== "-") checkReadableFile(file, path);
  return {
    name: "manifest",
    args: [path],
    readsTerminal: path === "-" && checkedStdinIsTerminal(),
    candidates: (report) =>
      inGroups(lazily(async () => (await import("../sources/manifest.js")).readManifest(path, report, { delimiter: flags.delimiter, csvType: flags.csvType, type: flags.type, stdin: path === "-" ? stdinFor("manifest lines (CSV or TSV, header first)") : undefined }))),
  };
}

function filesSource(paths: readonly string[], flags: FilesFlags): UploadCommand {
  const list = paths.length === 0 ? ["-"] : paths;
  const absolute = list.map((path) => (path === "-" ? "-" : resolve(path)));
  return {
    name: "files",
    args: absolute,
    readsTerminal: list.includes("-") && checkedStdinIsTerminal(),
    candidates: (report) => {
      async function* names(): AsyncGenerator<string> {
        let named = 0;
        for (const path of list) {
          if (path !== "-") {
            named++;
            yield path;
            continue;
          }
          for await (const record of readRecords(stdinFor(flags.null ? "file paths (NUL-separated)" : "file paths"), flags.null ?? false)) {
            named++;
            yield record;
          }
        }
        if (named === 0) report.warning("-", "no file paths given: name files as arguments, or pipe a list into `clarifai-upload files -`");
      }
      // Repeats are dropped by path, before a path is looked at: one that cannot be read is reported once.
      const once = onceEach(names(), (path) => resolve(path), (path) => report.warning(path, listedAgain(path)));
      return inGroups(listFiles(once, ({ source, message }) => report.rejected(source, "unreadable", message)));
    },
  };
}

function urlsSource(file: string | undefined, flags: UrlsFlags): UploadCommand {
  const from = file === undefined || file === "-" ? "-" : resolve(file);
  if (from !== "-") checkReadableFile(file ?? from, from);
  return {
    name: "urls",
    args: [from],
    readsTerminal: from === "-" && checkedStdinIsTerminal(),
    candidates: (report) => {
      const urls = onceEach(listUrls(readRecords(from === "-" ? stdinFor("URLs") : createReadStream(from)), flags.type), (candidate) => candidate.source, (url) => report.warning(url, listedAgain(url)));
      return warnWhenEmpty(inGroups(urls), () => report.warning(from, `${from === "-" ? "stdin" : file}: no URLs found`));
    },
  };
}

function listedAgain(source: string): string {
  return `${source}: listed more than once; it is one input, sent once`;
}

export function uploadCommands(runner: CommandRunner): Command[] {
  const folder = addUploadOptions(
    new Command("folder")
      .description("upload every supported file under DIR (recursively)")
      .argument("<dir>", "folder to walk")
      .option("--include <glob>", "only files matching this glob (repeatable; a glob without / matches file names)", collectGlob)
      .option("--exclude <glob>", "skip files matching this glob (repeatable)", collectGlob)
      .option("--hidden", "include hidden files and folders")
      .option("--ignore-case", "--include and --exclude match regardless of case (*.jpg also takes A.JPG)")
      .option("--follow-symlinks", "follow symbolic links (loops are detected)")
      .option("--expand-zips", "read ZIP archives found in the folder entry by entry, like the zip command"),
  ).action(async (dir: string, flags: FolderFlags, command: Command) => {
    await runner(() => runUploadCommand(folderSource(dir, checkTyped(flags)), flags, command.optsWithGlobals<GlobalOptions>()));
  });

  const files = addUploadOptions(
    new Command("files")
      .description("upload the listed files; - reads paths from stdin, one per line (or NUL-separated with -0)")
      .argument("[paths...]", "files to upload, or - for stdin")
      .option("-0, --null", "stdin paths are NUL-separated (find -print0)"),
  ).action(async (paths: string[], flags: FilesFlags, command: Command) => {
    await runner(() => runUploadCommand(filesSource(paths, checkTyped(flags)), flags, command.optsWithGlobals<GlobalOptions>()));
  });

  const urls = addUploadOptionsBut(
    new Command("urls")
      .description("upload inputs by URL, one per line, from FILE or stdin (-)")
      .argument("[file]", "file of URLs, or - for stdin", "-")
      .addOption(new Option("--type <kind>", "input type of every URL (default: from the URL's extension)").choices(["image", "video", "audio", "text"]))
      .option("--allow-duplicate-urls", "let the platform store the same URL more than once"),
    FILE_ONLY_OPTIONS,
  ).action(async (file: string, flags: UrlsFlags, command: Command) => {
    await runner(() => runUploadCommand(urlsSource(file, checkTyped(flags)), flags, command.optsWithGlobals<GlobalOptions>()));
  });

  const zip = addUploadOptions(
    new Command("zip")
      .description("upload every entry of a ZIP archive, streamed: nothing is extracted to disk; or, with --server-extract, send the archive for the platform to unpack")
      .argument("<archive>", "ZIP file")
      .option("--server-extract", "send the archive itself in parts (PostInputsUploads, PutUploadContentParts); the platform unpacks it")
      .option("--part-size <size>", "bytes per part with --server-extract", "5MiB"),
  ).action(async (archive: string, flags: ServerExtractFlags & { serverExtract?: boolean }, command: Command) => {
    const global = command.optsWithGlobals<GlobalOptions>();
    await runner(() => {
      checkTyped(flags);
      if (!flags.serverExtract) return runUploadCommand(zipSource(archive), flags, global);
      refuseWhatDoesNotApply(command);
      return runServerExtract(archive, flags, global);
    });
  });

  const manifest = addUploadOptionsBut(
    new Command("manifest")
      .description("upload the rows of a CSV/TSV manifest (simple, Python SDK or dotted field-path columns); - reads stdin")
      .argument("<file>", "CSV or TSV file, or -")
      .option("--delimiter <char>", "field separator (default: tab for .tsv, else comma)")
      .addOption(new Option("--csv-type <kind>", "Python SDK dialect: what the input column holds").choices(["raw", "url", "file_path"]))
      .addOption(new Option("--type <kind>", "input type for rows that do not say").choices(["image", "video", "audio", "text"])),
    FILE_ONLY_OPTIONS,
  ).action(async (file: string, flags: ManifestFlags, command: Command) => {
    await runner(() => runUploadCommand(manifestSource(file, checkTyped(flags)), flags, command.optsWithGlobals<GlobalOptions>()));
  });

  return [folder, files, urls, zip, manifest];
}
