/** One PUT by XMLHttpRequest: upload progress in bytes, and abortable through an AbortSignal. */

/** An OSS error answer (or a network failure) with the fields errorText() shows. */
export class UploadError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'UploadError';
  }
}

export function abortError(): DOMException {
  return new DOMException('The upload was cancelled.', 'AbortError');
}

export function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError';
}

function errorOf(xhr: XMLHttpRequest): UploadError {
  const xml = new DOMParser().parseFromString(xhr.responseText || '<Error/>', 'application/xml');
  const field = (name: string) => xml.getElementsByTagName(name)[0]?.textContent ?? undefined;
  return new UploadError(field('Message') ?? (xhr.statusText || 'upload failed'), xhr.status, field('Code'));
}

export function xhrPut(
  url: string,
  body: Blob,
  headers: Record<string, string>,
  onProgress: (loaded: number) => void,
  signal: AbortSignal,
): Promise<XMLHttpRequest> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(abortError());
      return;
    }
    const xhr = new XMLHttpRequest();
    const onAbort = () => xhr.abort();
    const settle = (fn: () => void) => {
      signal.removeEventListener('abort', onAbort);
      fn();
    };
    xhr.open('PUT', url);
    for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = () => settle(() => (xhr.status >= 200 && xhr.status < 300 ? resolve(xhr) : reject(errorOf(xhr))));
    xhr.onerror = () => settle(() => reject(new UploadError('Network error: the connection failed.')));
    xhr.onabort = () => settle(() => reject(abortError()));
    signal.addEventListener('abort', onAbort, { once: true });
    xhr.send(body);
  });
}
