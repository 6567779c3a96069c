import { RetriesExhausted, type Caller } from "../api/caller.js";
import { ApiError } from "../api/client.js";
import { UploadError } from "../errors.js";
import type { EventBus, InputEvent, UploadEvent } from "../upload/events.js";
import { followProcessing } from "../upload/tracker.js";

/**
 * How following processing ended: every input's processing known, cut short by Ctrl-C,
 * or the server stopped answering (why in `message`); what was learned before stands.
 */
export type WaitEnd = { ended: "done" } | { ended: "interrupted" } | { ended: "unreachable"; message: string };

/** What `--wait` keeps of an input this run uploaded, to say how its processing ended. */
type Sent = Pick<InputEvent, "source" | "candidate" | "digest" | "processingFailures">;

/**
 * `--wait`: remembers the inputs the run uploads (listen with `listener`), then follows
 * the run's inputs-add job until nothing is pending, and says how each input's
 * processing ended as a `processed` event: the job log records it, the stats count a
 * failure, the reporters name it.
 */
export class ProcessingWait {
  private readonly sent = new Map<string, Sent>();

  constructor(
    private readonly bus: EventBus,
    private readonly maxProcessingAttempts: number,
  ) {}

  readonly listener = (event: UploadEvent): void => {
    if (event.type !== "input" || event.status !== "uploaded" || !event.id) return;
    this.sent.set(event.id, { source: event.source, candidate: event.candidate, digest: event.digest, processingFailures: event.processingFailures });
  };

  get uploaded(): number {
    return this.sent.size;
  }

  /** Follows processing to its end, or until Ctrl-C or a server that stopped answering cuts it short. */
  async follow(caller: Caller, addJobId: string, signal: AbortSignal): Promise<WaitEnd> {
    let processing;
    try {
      processing = await followProcessing(caller, addJobId, this.sent, this.bus, signal);
    } catch (error) {
      if (error instanceof UploadError && error.code === "interrupted") return { ended: "interrupted" };
      if (error instanceof RetriesExhausted || (error instanceof ApiError && error.verdict === "retry")) return { ended: "unreachable", message: error.message };
      throw error;
    }
    const failed = new Set<string>();
    for (const failure of processing.failures) {
      const sent = this.sent.get(failure.id);
      if (!sent) continue;
      failed.add(failure.id);
      const attempts = (sent.processingFailures ?? 0) + 1;
      const next = attempts < this.maxProcessingAttempts ? "the next run deletes it and sends it again" : `failed ${attempts} time(s): not sent again`;
      const message = `${sent.source}: input ${failure.id} failed processing: ${failure.message} (${next})`;
      const processing = { code: failure.code, description: failure.message, attempts };
      this.bus.emit({ type: "input", id: failure.id, ...sent, status: "failed", reason: "processing_failed", message, bytes: 0, processing });
    }
    if (!processing.finished) return { ended: "interrupted" };
    for (const [id, sent] of this.sent) if (!failed.has(id)) this.bus.emit({ type: "processed", id, source: sent.source });
    return { ended: "done" };
  }
}
