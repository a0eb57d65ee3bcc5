import type OSS from 'ali-oss';

declare global {
  interface Window {
    /** The ali-oss browser build (/-/console/vendor/aliyun-oss-sdk.min.js). */
    OSS: typeof OSS;
  }
}
