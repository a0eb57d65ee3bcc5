/**
 * Streaming reader of a PostObject multipart/form-data body (busboy). The fields before the `file`
 * part are collected (bounded); the file part is handed over as a stream and never buffered; parts
 * after it are read and ignored, except that another file makes the request invalid.
 */
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import busboy from 'busboy';
import { OssError } from '../../errors/oss-error.js';

/** Largest single field value. (OSS allows 2 MB; ossd keeps pre-file data small, see MAX_PRE_DATA_BYTES.) */
export const MAX_FIELD_BYTES = 32 * 1024;
/** Largest field name (OSS: 8 KB). */
export const MAX_FIELD_NAME_BYTES = 8 * 1024;
/** Total names + values before the file. (OSS allows 8 MB; ossd holds these in memory, so 64 KB.) */
export const MAX_PRE_DATA_BYTES = 64 * 1024;
/** Most fields before the file. */
export const MAX_PRE_FIELDS = 500;
/** A request body left unread past this many bytes after an early failure is not drained. */
const MAX_DRAIN_BYTES = 64 * 1024 * 1024;

export interface FormField {
  /** As sent (case kept: `x:Var` custom callback variables are case-sensitive). */
  name: string;
  value: string;
}

export interface FormFile {
  filename: string;
  mimeType?: string;
  stream: Readable;
}

export interface FormHead {
  /** Fields before the file, by lower-cased name; the first occurrence of a name wins. */
  fields: Map<string, FormField>;
  file?: FormFile;
}

function malformed(detail?: string, cause?: unknown): OssError {
  return new OssError('MalformedPOSTRequest', {
    ec: '0006-00000103',
    message: detail
      ? `The body of your POST request is not well-formed multipart/form-data. ${detail}`
      : 'The body of your POST request is not well-formed multipart/form-data.',
    cause,
  });
}

function tooLong(what: string): OssError {
  return new OssError('FieldItemTooLong', {
    ec: what === 'name' ? '0006-00000110' : undefined,
    message:
      what === 'name'
        ? `Your POST request field name is longer than ${MAX_FIELD_NAME_BYTES} bytes.`
        : `Your POST request field value is longer than ${MAX_FIELD_BYTES} bytes.`,
  });
}

function preDataExceeded(): OssError {
  return new OssError('MaxPOSTPreDataLengthExceeded', {
    ec: '0006-00000112',
    message: `Your POST request fields preceding the upload file were too large (limit ${MAX_PRE_DATA_BYTES} bytes, ${MAX_PRE_FIELDS} fields).`,
  });
}

export class PostForm {
  private readonly bb: busboy.Busboy;
  private readonly fields = new Map<string, FormField>();
  private preBytes = 0;
  private preFields = 0;
  private fileSeen = false;
  private files = 0;
  private failure: OssError | undefined;
  private activeFile: Readable | undefined;
  private readonly headPromise: Promise<FormHead>;
  private readonly donePromise: Promise<number>;
  private resolveHead!: (h: FormHead) => void;
  private rejectHead!: (e: unknown) => void;
  private resolveDone!: (files: number) => void;
  private rejectDone!: (e: unknown) => void;

  /** Throws RequestIsNotMultiPartContent / MalformedPOSTRequest for a bad Content-Type. */
  constructor(private readonly req: IncomingMessage) {
    const contentType = req.headers['content-type'] ?? '';
    if (!/^multipart\/form-data\s*(;|$)/i.test(contentType)) {
      throw new OssError('RequestIsNotMultiPartContent');
    }
    try {
      this.bb = busboy({
        headers: { 'content-type': contentType },
        limits: { fieldSize: MAX_FIELD_BYTES + 1, fieldNameSize: MAX_FIELD_NAME_BYTES + 1 },
        defParamCharset: 'utf8',
      });
    } catch (err) {
      throw malformed((err as Error).message, err);
    }
    this.headPromise = new Promise((resolve, reject) => {
      this.resolveHead = resolve;
      this.rejectHead = reject;
    });
    this.donePromise = new Promise((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    // Rejections are observed through head()/done(); never let one go unhandled.
    this.headPromise.catch(() => {});
    this.donePromise.catch(() => {});
    this.bb.on('field', (name, value, info) => this.onField(name, value, info.valueTruncated));
    this.bb.on('file', (name, stream, info) => this.onFile(name, stream, info.filename, info.mimeType));
    this.bb.on('error', (err) => this.fail(malformed((err as Error).message, err)));
    this.bb.on('close', () => this.onClose());
    req.on('aborted', () => this.fail(new OssError('InvalidRequest', { message: 'The client aborted the upload.' })));
    req.on('error', (err) =>
      this.fail(new OssError('InvalidRequest', { message: 'Request stream failed.', cause: err })),
    );
    req.pipe(this.bb);
  }

  /** Resolves at the file part (or at the end of the form when there is none). */
  head(): Promise<FormHead> {
    return this.headPromise;
  }

  /** Resolves with the number of file parts once the whole body has been read (call after the file is consumed). */
  done(): Promise<number> {
    return this.donePromise;
  }

  /** The failure that stopped parsing, if any (preferred over the file stream's own error). */
  get error(): OssError | undefined {
    return this.failure;
  }

  private onField(name: string | undefined, value: string, truncated: boolean): void {
    if (this.failure || name === undefined) return;
    const lower = name.toLowerCase();
    if (this.fileSeen) {
      // Fields after the file are ignored (OSS), but a second file is not.
      if (lower === 'file') this.files++;
      return;
    }
    if (Buffer.byteLength(name) > MAX_FIELD_NAME_BYTES) {
      this.fail(tooLong('name'));
      return;
    }
    if (truncated) {
      this.fail(tooLong('value'));
      return;
    }
    this.preBytes += Buffer.byteLength(name) + Buffer.byteLength(value);
    if (this.preBytes > MAX_PRE_DATA_BYTES || ++this.preFields > MAX_PRE_FIELDS) {
      this.fail(preDataExceeded());
      return;
    }
    if (lower === 'file') {
      // A `file` part without a filename arrives as a field (bounded by MAX_FIELD_BYTES).
      this.files++;
      this.startFile(Readable.from([Buffer.from(value, 'utf8')]), '', undefined);
      return;
    }
    if (!this.fields.has(lower)) this.fields.set(lower, { name, value });
  }

  private onFile(name: string | undefined, stream: Readable, filename: string | undefined, mimeType: string): void {
    this.files++;
    // Errors reach a consumer through its own iteration; an unconsumed stream must not throw.
    stream.on('error', () => {});
    if (this.failure || this.fileSeen || name?.toLowerCase() !== 'file') {
      stream.resume();
      if (!this.failure && !this.fileSeen) {
        this.fail(
          new OssError('IncorrectNumberOfFilesInPOSTRequest', {
            message: `POST requires exactly one file upload per request, in a field named 'file' (got '${name ?? ''}').`,
          }),
        );
      }
      return;
    }
    this.startFile(stream, filename ?? '', mimeType);
  }

  private startFile(stream: Readable, filename: string, mimeType: string | undefined): void {
    this.fileSeen = true;
    this.activeFile = stream;
    stream.on('error', () => {});
    stream.once('end', () => {
      if (this.activeFile === stream) this.activeFile = undefined;
    });
    this.resolveHead({ fields: this.fields, file: { filename, mimeType, stream } });
  }

  private onClose(): void {
    if (this.failure) return;
    if (!this.fileSeen) this.resolveHead({ fields: this.fields });
    this.resolveDone(this.files);
  }

  private fail(err: OssError): void {
    if (this.failure) return;
    this.failure = err;
    this.req.unpipe(this.bb);
    this.rejectHead(err);
    this.rejectDone(err);
    // The consumer of the file stream (the blob writer) must stop too.
    this.activeFile?.destroy(err);
    this.bb.removeAllListeners('field');
    this.bb.removeAllListeners('file');
    this.bb.on('error', () => {});
    this.bb.destroy();
  }

  /**
   * Stops parsing after a failure and drains what is left of the request (bounded) so the client can
   * read the error response on the same connection.
   */
  async abort(): Promise<void> {
    if (!this.failure) this.fail(malformed('aborted'));
    const req = this.req;
    if (req.readableEnded || req.destroyed) return;
    await new Promise<void>((resolve) => {
      let seen = 0;
      const finish = () => {
        req.off('data', onData);
        req.off('end', finish);
        req.off('close', finish);
        req.off('error', finish);
        resolve();
      };
      const onData = (c: Buffer) => {
        seen += c.length;
        if (seen > MAX_DRAIN_BYTES) {
          req.pause();
          finish();
        }
      };
      req.on('data', onData);
      req.once('end', finish);
      req.once('close', finish);
      req.once('error', finish);
      req.resume();
    });
  }
}
