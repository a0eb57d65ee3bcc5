// The upload-callback sample from the OSS Node.js documentation ("Upload callbacks"), unchanged except
// for the client options (pointed at ossd) and the callback URL (pointed at examples/callback-server).
//
//   terminal 1:  npm start           (its first start creates examplebucket)
//   terminal 2:  npm run callback-server
//   terminal 3:  OSSD_ACCESS_KEY_ID=<id> OSSD_ACCESS_KEY_SECRET=<secret> node examples/seed-sample.mjs
// Variables: OSSD_ENDPOINT (default http://localhost:18080), CALLBACK_URL (default http://127.0.0.1:9090).
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const OSS = require('ali-oss');
// biome-ignore lint/style/useNodejsImportProtocol: the documentation sample's own line, kept as is
const path = require('path');

// The access key ossd printed at start: OSSD_ACCESS_KEY_ID / OSSD_ACCESS_KEY_SECRET (OSS_ACCESS_KEY_ID /
// OSS_ACCESS_KEY_SECRET, the OSS documentation's names, work too).
const accessKeyId = process.env.OSSD_ACCESS_KEY_ID ?? process.env.OSS_ACCESS_KEY_ID;
const accessKeySecret = process.env.OSSD_ACCESS_KEY_SECRET ?? process.env.OSS_ACCESS_KEY_SECRET;
if (!accessKeyId || !accessKeySecret) {
  console.error('Set OSSD_ACCESS_KEY_ID and OSSD_ACCESS_KEY_SECRET to the access key ossd printed at start.');
  process.exit(2);
}

const client = new OSS({
  // ossd instead of a region: path-style addressing on the local endpoint.
  endpoint: process.env.OSSD_ENDPOINT ?? 'http://localhost:18080',
  sldEnable: true,
  // Obtain access credentials from environment variables.
  accessKeyId,
  accessKeySecret,
  authorizationV4: true,
  // Specify the name of the bucket.
  bucket: 'examplebucket',
});

const options = {
  callback: {
    // The application server that receives the callback (examples/callback-server).
    url: process.env.CALLBACK_URL ?? 'http://127.0.0.1:9090',
    // (Optional) Specify the Host field included in the callback request header.
    //host: 'yourCallbackHost',
    // Specify the body of the callback request.
    body: 'bucket=${bucket}&object=${object}&var1=${x:var1}&var2=${x:var2}',
    // Specify Content-Type in the callback request.
    contentType: 'application/x-www-form-urlencoded',
    // Whether OSS sends SNI to the callback address.
    callbackSNI: true,
    // Configure custom parameters for the callback request.
    customValue: {
      var1: 'value1',
      var2: 'value2',
    },
  },
};

async function put() {
  try {
    // Specify the full path of the object and the full path of the local file.
    const result = await client.put(
      'exampleobject.txt',
      path.normalize(fileURLToPath(new URL('./examplefile.txt', import.meta.url))),
      options,
    );
    console.log(result);
  } catch (e) {
    console.log(e);
  }
}

put();
