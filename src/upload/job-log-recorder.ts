import { jsonString } from "../json-string.js";
import type { UploadEvent } from "./events.js";
import type { AckRecord, JobLogWriter } from "./joblog.js";

/**
 * Writes a run's events into its job log: one record per input whose state this run
 * decided, one per batch. The log is synced after each batch, once its inputs are
 * recorded, so a crash loses at most the batch in flight.
 */
export function jobLogRecorder(writer: JobLogWriter, run: string): (event: UploadEvent) => void {
  return (event) => {
    switch (event.type) {
      case "input": {
        if (event.fromLog || event.status === "would_upload" || event.status === "skipped") return;
        const about = { id: event.id, source: event.source, fingerprint: event.candidate?.fingerprint ?? "", digest: event.digest, run };
        if (event.processing && event.id !== undefined) {
          writer.append({ type: "processing_failed", ...about, id: event.id, ...event.processing });
        } else if (event.status === "rejected" || event.status === "failed" || event.status === "conflict") {
          writer.append({ type: event.status, ...about, reason: event.reason ?? event.status, message: event.message ?? "", processingFailures: event.processingFailures || undefined });
        } else if (event.id !== undefined) {
          const ack: AckRecord = { type: "ack", ...about, id: event.id, status: event.status, processingFailures: event.processingFailures, annotationsPending: event.annotationsPending, underAnotherId: event.reason === "duplicate_url" || undefined, batch: event.batch ?? 0 };
          writer.append(ack, ackLine(ack));
        }
        return;
      }
      case "batch":
        writer.append({ type: "batch", seq: event.seq, inputs: event.inputs, bytes: event.bytes, addJob: event.addJob ?? "", run });
        writer.sync();
        return;
      case "processed":
        writer.append({ type: "processed", id: event.id, source: event.source, run });
        return;
    }
  };
}

/**
 * An ack as JSON.stringify writes it, its keys in the order `jobLogRecorder` builds it
 * with (absent fields left out), without the generic serializer: one is written per input.
 */
function ackLine(ack: AckRecord): string {
  const digest = ack.digest === undefined ? "" : `,"digest":${jsonString(ack.digest)}`;
  const failures = ack.processingFailures === undefined ? "" : `,"processingFailures":${JSON.stringify(ack.processingFailures)}`;
  const pending = ack.annotationsPending === undefined ? "" : `,"annotationsPending":${ack.annotationsPending}`;
  const underAnotherId = ack.underAnotherId === undefined ? "" : `,"underAnotherId":${ack.underAnotherId}`;
  return `{"type":"ack","id":${jsonString(ack.id)},"source":${jsonString(ack.source)},"fingerprint":${jsonString(ack.fingerprint)}${digest},"run":${jsonString(ack.run)},"status":"${ack.status}"${failures}${pending}${underAnotherId},"batch":${JSON.stringify(ack.batch)}}`;
}
