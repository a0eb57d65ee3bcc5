// Preloaded into mocha (-r) by run.sh: points the official ali-oss test suite at a local ossd.
// OSSD_PORT: ossd's port; OSSD_PATH_STYLE=1: path-style requests (sldEnable), else <bucket>.localhost.
const dns = require('node:dns');
const path = require('node:path');

const port = process.env.OSSD_PORT;
if (!port) throw new Error('OSSD_PORT is not set');
process.env.ALI_SDK_OSS_ID = process.env.ALI_SDK_OSS_ID || 'suiteroot';
process.env.ALI_SDK_OSS_SECRET = process.env.ALI_SDK_OSS_SECRET || 'suiterootsecret0123456789';
process.env.ALI_SDK_OSS_REGION = process.env.ALI_SDK_OSS_REGION || 'oss-cn-hangzhou';
process.env.ALI_CLOUD_ENDPOINT = `http://localhost:${port}`;
// test/config.js derives an account id from an STS role ARN; any well-formed one will do.
process.env.ALI_SDK_STS_ROLE = process.env.ALI_SDK_STS_ROLE || 'acs:ram::1234567890:role/suite';

// test/config.js has no path-style switch: set it on the (cached) module every test file shares.
const config = require(path.resolve('test/config.js'));
config.oss.sldEnable = process.env.OSSD_PATH_STYLE === '1';

// <bucket>.localhost → 127.0.0.1 (the system resolver need not resolve subdomains of localhost).
const lookup = dns.lookup;
dns.lookup = function ossdLookup(host, options, callback, ...rest) {
  if (typeof host === 'string' && /(^|\.)localhost$/i.test(host)) {
    const cb = typeof options === 'function' ? options : callback;
    const opts = typeof options === 'object' && options !== null ? options : {};
    if (opts.all) return process.nextTick(cb, null, [{ address: '127.0.0.1', family: 4 }]);
    return process.nextTick(cb, null, '127.0.0.1', 4);
  }
  return lookup.call(this, host, options, callback, ...rest);
};
