/**
 * The upload queue, kept for the whole page (uploads go on while you browse): up to 3 files at once,
 * each small one as a PutObject and each large one as a multipart upload with parallel parts. Cancel
 * aborts the requests in flight (and a multipart upload's stored parts); retry resumes a failed
 * multipart upload from the parts already stored.
 */
import { useEffect, useState } from 'preact/hooks';
import {
  abortMultipart,
  MULTIPART_THRESHOLD,
  type MultipartState,
  putMultipart,
  putSmall,
  type Target,
} from './multipart-upload.js';
import { type Credentials, errorText } from './session.js';
import { isAbort } from './xhr-put.js';

export type UploadStatus = 'queued' | 'uploading' | 'done' | 'failed' | 'cancelled';

export interface UploadItem {
  id: number;
  bucket: string;
  key: string;
  size: number;
  loaded: number;
  status: UploadStatus;
  multipart: boolean;
  message?: string;
  /** Milliseconds the last attempt took, once done. */
  ms?: number;
}

interface Job {
  item: UploadItem;
  target: Target;
  file: File;
  state: MultipartState;
  controller?: AbortController;
}

const MAX_FILES_AT_ONCE = 3;
const jobs: Job[] = [];
let nextId = 1;
const listeners = new Set<() => void>();
const doneListeners = new Set<(bucket: string, key: string) => void>();

function changed(): void {
  for (const l of listeners) l();
}

function update(job: Job, patch: Partial<UploadItem>): void {
  job.item = { ...job.item, ...patch };
  changed();
}

function pump(): void {
  let running = jobs.filter((j) => j.item.status === 'uploading').length;
  for (const job of jobs) {
    if (running >= MAX_FILES_AT_ONCE) break;
    if (job.item.status !== 'queued') continue;
    running++;
    void run(job);
  }
}

async function run(job: Job): Promise<void> {
  const controller = new AbortController();
  job.controller = controller;
  const started = performance.now();
  update(job, { status: 'uploading', message: undefined, loaded: 0 });
  const onProgress = (loaded: number) => update(job, { loaded });
  try {
    if (job.item.multipart) await putMultipart(job.target, job.file, job.state, onProgress, controller.signal);
    else await putSmall(job.target, job.file, onProgress, controller.signal);
    update(job, { status: 'done', loaded: job.item.size, ms: Math.round(performance.now() - started) });
    for (const l of doneListeners) l(job.target.bucket, job.target.key);
  } catch (err) {
    if (isAbort(err) || controller.signal.aborted) {
      update(job, { status: 'cancelled' });
      abortMultipart(job.target, job.state).catch(() => {});
    } else {
      // An upload id ossd no longer knows (aborted elsewhere) cannot be resumed: a retry starts over.
      if ((err as { code?: string }).code === 'NoSuchUpload') {
        job.state.uploadId = undefined;
        job.state.etags.clear();
      }
      update(job, { status: 'failed', message: errorText(err) });
    }
  } finally {
    job.controller = undefined;
    pump();
  }
}

/** Queues files; `path` is relative to `prefix` ("photos/2024/a.jpg" for a dropped folder). */
export function enqueueUploads(
  creds: Credentials,
  bucket: string,
  prefix: string,
  files: { file: File; path: string }[],
) {
  for (const { file, path } of files) {
    const key = prefix + path;
    jobs.push({
      item: {
        id: nextId++,
        bucket,
        key,
        size: file.size,
        loaded: 0,
        status: 'queued',
        multipart: file.size > MULTIPART_THRESHOLD,
      },
      target: { creds, bucket, key },
      file,
      state: { etags: new Map() },
    });
  }
  changed();
  pump();
}

export function cancelUpload(id: number): void {
  const job = jobs.find((j) => j.item.id === id);
  if (!job) return;
  if (job.item.status === 'queued') update(job, { status: 'cancelled' });
  else job.controller?.abort();
}

export function retryUpload(id: number): void {
  const job = jobs.find((j) => j.item.id === id);
  if (!job || (job.item.status !== 'failed' && job.item.status !== 'cancelled')) return;
  update(job, { status: 'queued', message: undefined });
  pump();
}

/** Forgets finished and cancelled uploads. */
export function clearFinishedUploads(): void {
  for (let i = jobs.length - 1; i >= 0; i--) {
    if (jobs[i].item.status === 'done' || jobs[i].item.status === 'cancelled') jobs.splice(i, 1);
  }
  changed();
}

function useChanges(): void {
  const [, setTick] = useState(0);
  useEffect(() => {
    const l = () => setTick((t) => t + 1);
    listeners.add(l);
    return () => {
      listeners.delete(l);
    };
  }, []);
}

/** Uploads queued or in flight, in every bucket (for the header's indicator). */
export function useActiveUploads(): UploadItem[] {
  useChanges();
  return jobs.map((j) => j.item).filter((u) => u.status === 'queued' || u.status === 'uploading');
}

export function useUploads(bucket: string): UploadItem[] {
  useChanges();
  return jobs.filter((j) => j.item.bucket === bucket).map((j) => j.item);
}

/** Calls `on` after each finished upload (to refresh a listing). */
export function useUploadDone(on: (bucket: string, key: string) => void): void {
  useEffect(() => {
    doneListeners.add(on);
    return () => {
      doneListeners.delete(on);
    };
  }, [on]);
}
