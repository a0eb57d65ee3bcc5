/** The files of a drop (files and whole folders, walked with webkitGetAsEntry) or of a file input. */

export interface PickedFile {
  file: File;
  /** Path relative to the drop or the chosen folder: "a.txt", "photos/2024/b.jpg". */
  path: string;
}

const MAX_FILES = 10_000;
const MAX_DEPTH = 64;
/** readEntries answers in batches (100 in Chromium); this bounds the batches read per folder. */
const MAX_BATCHES = 1000;

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

function readBatch(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

async function walk(entry: FileSystemEntry, dir: string, depth: number, out: PickedFile[]): Promise<void> {
  if (out.length >= MAX_FILES) return;
  const path = dir + entry.name;
  if (entry.isFile) {
    out.push({ file: await fileOf(entry as FileSystemFileEntry), path });
    return;
  }
  if (!entry.isDirectory || depth >= MAX_DEPTH) return;
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  for (let i = 0; i < MAX_BATCHES && out.length < MAX_FILES; i++) {
    const batch = await readBatch(reader);
    if (batch.length === 0) return;
    for (const child of batch) await walk(child, `${path}/`, depth + 1, out);
  }
}

/**
 * Must be called inside the drop handler: DataTransfer items are only readable during the event, so
 * the entries are taken at once and walked afterwards.
 */
export function droppedFiles(dt: DataTransfer): Promise<PickedFile[]> {
  const entries: FileSystemEntry[] = [];
  const loose: File[] = [];
  for (const item of Array.from(dt.items ?? [])) {
    if (item.kind !== 'file') continue;
    const entry = item.webkitGetAsEntry?.();
    if (entry) entries.push(entry);
    else {
      const f = item.getAsFile();
      if (f) loose.push(f);
    }
  }
  if (entries.length === 0 && loose.length === 0) loose.push(...Array.from(dt.files ?? []));
  return (async () => {
    const out: PickedFile[] = loose.map((file) => ({ file, path: file.name }));
    for (const e of entries) await walk(e, '', 0, out);
    return out.slice(0, MAX_FILES);
  })();
}

/** Files of an <input type=file> (with webkitdirectory, each keeps its path inside the chosen folder). */
export function inputFiles(list: FileList | null): PickedFile[] {
  return Array.from(list ?? [])
    .slice(0, MAX_FILES)
    .map((file) => ({ file, path: file.webkitRelativePath || file.name }));
}
