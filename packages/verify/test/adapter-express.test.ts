import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import express, { type NextFunction, type Request, type Response } from 'express';
import { getOssCallback, ossCallback } from '../src/adapters/express.js';
import { OssCallbackVerificationError } from '../src/index.js';
import { close, getAdapterKeys, listen, postCallback, UNICODE_TARGET, UNICODE_VARIABLES } from './helpers.js';

describe('Express adapter', async () => {
  const keys = await getAdapterKeys();
  const app = express();
  // A router mounted at /oss: req.url loses the mount path, the signature does not.
  const router = express.Router();
  router.post('/:name', ossCallback({ publicKey: keys.publicPem }), (req: Request, res: Response) => {
    const payload = getOssCallback(req);
    res.json({ Status: 'OK', name: req.params.name, received: payload.variables });
  });
  app.use('/oss', router);
  // With express.raw() in front, the Buffer it produced is used.
  app.post('/raw/*path', express.raw({ type: '*/*' }), ossCallback({ publicKey: keys.publicPem }), (req, res) => {
    res.json({ Status: 'OK', received: getOssCallback(req).variables });
  });
  // A parser that already consumed the body is reported.
  app.post('/parsed/*path', express.urlencoded(), ossCallback({ publicKey: keys.publicPem }), (_req, res) => {
    res.json({ Status: 'OK' });
  });
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof OssCallbackVerificationError) res.status(error.status).json(error.toJSON());
    else res.status(500).json({ error: String(error) });
  });
  const server = createServer(app);
  let base = '';
  before(async () => {
    base = await listen(server);
  });
  after(() => close(server));

  it('verifies a signed callback under a mounted router (Unicode path and body)', async () => {
    const result = await postCallback(base, keys.privateKey);
    assert.equal(result.status, 200);
    assert.deepEqual(result.json, { Status: 'OK', name: '回调', received: UNICODE_VARIABLES });
  });

  it('rejects a tampered body with 400 via next(err)', async () => {
    const result = await postCallback(base, keys.privateKey, { tamper: true });
    assert.equal(result.status, 400);
    assert.equal((result.json as { error: string }).error, 'BAD_SIGNATURE');
  });

  it('uses the Buffer from express.raw()', async () => {
    const target = UNICODE_TARGET.replace('/oss/', '/raw/');
    assert.equal((await postCallback(base, keys.privateKey, { target })).status, 200);
    assert.equal((await postCallback(base, keys.privateKey, { target, tamper: true })).status, 400);
  });

  it('reports a body already parsed by another middleware', async () => {
    const target = UNICODE_TARGET.replace('/oss/', '/parsed/');
    const result = await postCallback(base, keys.privateKey, { target });
    assert.equal(result.status, 400);
    assert.match((result.json as { message: string }).message, /express\.raw/);
  });
});
