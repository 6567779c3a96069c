import type { Command } from "commander";
import { EXIT_CODES_HELP, STATUS_EXIT_CODES_HELP } from "../report/exit-codes.js";

/**
 * Two or three real examples per command, shown at the end of its --help. Each runs as
 * written against the embedded server (`--local`) or with CLARIFAI_PAT, CLARIFAI_USER_ID
 * and CLARIFAI_APP_ID set; paths are the user's.
 */
const EXAMPLES: Record<string, string[]> = {
  "": [
    "clarifai-upload folder ./photos --dataset train                 # needs CLARIFAI_PAT, CLARIFAI_USER_ID, CLARIFAI_APP_ID",
    "clarifai-upload folder ./photos --local ./local-data --wait     # offline, into an embedded local server",
    "clarifai-upload log list",
  ],
  folder: [
    "clarifai-upload folder ./photos --dataset train --include '*.jpg' --ignore-case",
    "clarifai-upload folder ./imagenet --labels-from-folder --local ./local-data --wait",
    "clarifai-upload folder ./photos --dry-run --failed-out problems.csv",
  ],
  files: [
    "clarifai-upload files a.jpg b.png clip.mp4 --concepts demo",
    "find . -name '*.png' -print0 | clarifai-upload files -0 -",
  ],
  urls: [
    "clarifai-upload urls urls.txt --type image",
    "printf '%s\\n' https://samples.clarifai.com/metro-north.jpg | clarifai-upload urls - --local ./local-data",
  ],
  zip: [
    "clarifai-upload zip photos.zip --dataset train",
    "clarifai-upload zip photos.zip --server-extract --wait",
  ],
  manifest: [
    "clarifai-upload manifest inputs.csv --local ./local-data",
    "clarifai-upload manifest sdk.csv --csv-type url --type image",
    "clarifai-upload manifest failed.csv          # a --failed-out file, once its problems are fixed",
  ],
  cloud: [
    "clarifai-upload cloud s3://my-bucket/images/ --aws-region us-east-1 --dataset train --wait",
    "clarifai-upload cloud gs://my-bucket/photos/ --gcp-credentials key.json",
  ],
  extraction: ["clarifai-upload extraction list", "clarifai-upload extraction get EXTRACTION_ID"],
  "extraction list": ["clarifai-upload extraction list --page 2 --per-page 20", "clarifai-upload extraction list --json"],
  "extraction get": ["clarifai-upload extraction get EXTRACTION_ID"],
  "extraction cancel": ["clarifai-upload extraction cancel EXTRACTION_ID OTHER_ID"],
  resume: ["clarifai-upload resume JOB --wait", "clarifai-upload resume ./logs/photos.jsonl"],
  status: ["clarifai-upload status JOB", "clarifai-upload status JOB --retry"],
  log: ["clarifai-upload log list", "clarifai-upload log show JOB"],
  "log list": ["clarifai-upload log list", "clarifai-upload log list --json | head -1"],
  "log show": ["clarifai-upload log show JOB", "clarifai-upload log show ./logs/photos.jsonl --json"],
  serve: [
    "clarifai-upload serve --port 50051 --data ./local-data",
    "clarifai-upload serve --port 0 --fault-throttle 0.1 --seed 1     # a flaky server, to try retries",
    "clarifai-upload --api http://127.0.0.1:50051 --pat any --user me --app demo folder ./photos",
  ],
  completion: [
    "clarifai-upload completion bash > ~/.local/share/bash-completion/completions/clarifai-upload",
    "clarifai-upload completion zsh > \"${fpath[1]}/_clarifai-upload\"",
    "clarifai-upload completion fish > ~/.config/fish/completions/clarifai-upload.fish",
  ],
  version: ["clarifai-upload version", "clarifai-upload --version"],
};

/** Commands whose exit code follows the upload table (0 done, 1 some failed, 2, 3, 4, 130). */
const UPLOAD_EXIT_CODES = new Set(["", "folder", "files", "urls", "zip", "manifest", "cloud", "resume"]);

export function examplesFor(path: string): string[] {
  return EXAMPLES[path] ?? [];
}

/** Ends every command's --help with its examples, and the exit-code table where it applies. */
export function addHelpTexts(command: Command, parents: string[] = []): void {
  const path = parents.join(" ");
  const examples = examplesFor(path);
  const parts: string[] = [];
  if (examples.length > 0) parts.push(`Examples:\n${examples.map((line) => `  ${line}`).join("\n")}`);
  if (UPLOAD_EXIT_CODES.has(path)) parts.push(EXIT_CODES_HELP);
  if (path === "status") parts.push(STATUS_EXIT_CODES_HELP);
  if (parts.length > 0) command.addHelpText("after", `\n${parts.join("\n\n")}\n`);
  for (const sub of command.commands) addHelpTexts(sub, [...parents, sub.name()]);
}
