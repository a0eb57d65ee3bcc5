/**
 * The baseline: the least a durable node:http object server must do, nothing more.
 *   PUT /large/<key>  stream the body to a temp file while computing MD5, fsync, rename.
 *   GET /large/<key>  stream the file back.
 *   PUT /small/<key>  buffer the body, write a temp file, fdatasync, rename, fsync the directory.
 *   GET /small/<key>  fs.readFile and send.
 * Usage: node --import tsx bench/servers/baseline.ts <dataDir> <port>
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdirSync } from 'node:fs';
import { open, readFile, rename, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

const dataDir = process.argv[2];
const port = Number(process.argv[3]);
const objects = path.join(dataDir, 'objects');
const tmp = path.join(dataDir, 'tmp');
mkdirSync(objects, { recursive: true });
mkdirSync(tmp, { recursive: true });

async function putLarge(req: IncomingMessage, file: string): Promise<string> {
  const temp = path.join(tmp, randomBytes(8).toString('hex'));
  const md5 = createHash('md5');
  const fh = await open(temp, 'w');
  try {
    // Coalesce the socket's 64 KiB chunks into 256 KiB writes (as ossd does).
    let batch: Buffer[] = [];
    let bytes = 0;
    for await (const c of req) {
      const chunk = c as Buffer;
      md5.update(chunk);
      batch.push(chunk);
      bytes += chunk.length;
      if (bytes >= 256 * 1024) {
        await fh.write(Buffer.concat(batch, bytes));
        batch = [];
        bytes = 0;
      }
    }
    if (bytes > 0) await fh.write(Buffer.concat(batch, bytes));
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(temp, file);
  return md5.digest('hex');
}

async function putSmall(req: IncomingMessage, file: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const body = Buffer.concat(chunks);
  const temp = path.join(tmp, randomBytes(8).toString('hex'));
  const fh = await open(temp, 'w');
  try {
    await fh.write(body, 0, body.length);
    await fh.datasync();
  } finally {
    await fh.close();
  }
  await rename(temp, file);
  const dir = await open(objects, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
  return createHash('md5').update(body).digest('hex');
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const m = /^\/(large|small)\/([\w.-]+)$/.exec(req.url ?? '');
  if (!m) {
    res.writeHead(404, { 'content-length': 0 }).end();
    return;
  }
  const [, kind, key] = m;
  const file = path.join(objects, key);
  if (req.method === 'PUT') {
    const etag = kind === 'large' ? await putLarge(req, file) : await putSmall(req, file);
    res.writeHead(200, { etag: `"${etag}"`, 'content-length': 0 }).end();
  } else if (req.method === 'GET') {
    if (kind === 'small') {
      const body = await readFile(file);
      res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/octet-stream' }).end(body);
    } else {
      const st = await stat(file);
      res.writeHead(200, { 'content-length': st.size, 'content-type': 'application/octet-stream' });
      // Same read size as ossd (src/storage/local/blob-store.ts), so only the servers differ.
      await pipeline(createReadStream(file, { highWaterMark: 1024 * 1024 }), res);
    }
  } else {
    res.writeHead(405, { 'content-length': 0 }).end();
  }
}

createServer((req, res) => {
  handle(req, res).catch((err: NodeJS.ErrnoException) => {
    if (!res.headersSent) res.writeHead(err.code === 'ENOENT' ? 404 : 500, { 'content-length': 0 });
    res.end();
  });
}).listen(port, '127.0.0.1');
