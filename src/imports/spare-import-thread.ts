/**
 * Issue 15: one import thread started ahead of the next file. Starting a thread and loading the check's modules
 * took 30-60 ms of every import's wait (a fifth of a 100,000-row .csv's upload → check page); the spare has done
 * that before the file arrives and is given its job by message (import.worker.ts). It is still one thread per
 * file, ended when its file is done (import-worker.ts keeps it so: a reused thread kept 60-100 MB more), and the
 * next spare is started once an import ends, so it never competes with one for the CPU. An idle spare holds about
 * 10 MB and does not keep the process alive.
 */
import { Worker, type ResourceLimits } from 'node:worker_threads';

interface ThreadOptions {
  file: string;
  execArgv: string[];
  resourceLimits: ResourceLimits;
}

let spare: { worker: Worker; options: ThreadOptions } | undefined;

function start(options: ThreadOptions): Worker {
  const worker = new Worker(options.file, { execArgv: options.execArgv, resourceLimits: options.resourceLimits });
  worker.unref();
  // A spare that dies idle (it cannot, short of a broken install) is forgotten; the next import starts its own.
  const forget = () => {
    if (spare?.worker === worker) spare = undefined;
  };
  worker.once('error', forget);
  worker.once('exit', forget);
  return worker;
}

/** The spare if it was started for the same code and limits, else a thread started now. */
export function takeImportThread(options: ThreadOptions): Worker {
  const same = spare && spare.options.file === options.file && spare.options.resourceLimits === options.resourceLimits;
  const worker = same ? spare!.worker : start(options);
  if (!same) void spare?.worker.terminate();
  spare = undefined;
  worker.ref();
  return worker;
}

/** Starts the next spare, unless there is one. Called when an import ends (and at start, by the server). */
export function prepareImportThread(options: ThreadOptions): void {
  if (!spare) spare = { worker: start(options), options };
}

/** Ends the spare (tests that count threads, a clean shutdown). */
export async function endSpareImportThread(): Promise<void> {
  const worker = spare?.worker;
  spare = undefined;
  await worker?.terminate();
}
