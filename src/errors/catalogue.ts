/** The OSS error catalogue: HTTP status and default message for every code ossd emits. */
export interface ErrorSpec {
  status: number;
  message: string;
  /** Default EC code when OSS documents one. */
  ec?: string;
}

export const ERRORS = {
  AccessDenied: { status: 403, message: 'You have no right to access this object because of bucket acl.' },
  AccessForbidden: { status: 403, message: 'CORSResponse: This CORS request is not allowed.' },
  BucketAlreadyExists: { status: 409, message: 'The requested bucket name is not available.' },
  BucketNotEmpty: { status: 409, message: 'The bucket you tried to delete is not empty.' },
  CallbackFailed: { status: 203, message: 'Callback failed.' },
  EntityTooLarge: { status: 400, message: 'Your proposed upload exceeds the maximum allowed size.' },
  EntityTooSmall: { status: 400, message: 'Your proposed upload is smaller than the minimum allowed size.' },
  FileAlreadyExists: { status: 409, message: 'The object you specified already exists and can not be overwritten.' },
  IncorrectNumberOfFilesInPOSTRequest: { status: 400, message: 'POST requires exactly one file upload per request.' },
  InternalError: { status: 500, message: 'We encountered an internal error. Please try again.' },
  InvalidAccessKeyId: { status: 403, message: 'The OSS Access Key Id you provided does not exist in our records.' },
  InvalidArgument: { status: 400, message: 'Invalid argument.' },
  InvalidBucketName: { status: 400, message: 'The specified bucket is not valid.' },
  InvalidDigest: { status: 400, message: 'The Content-MD5 you specified is not valid.' },
  InvalidEncryptionAlgorithmError: {
    status: 400,
    message: 'The Encryption request you specified is not valid. Supported value: AES256/KMS/SM4.',
    ec: '0005-00000003',
  },
  NoSuchServerSideEncryptionRule: { status: 404, message: 'The server side encryption configuration was not found' },
  /** Not an OSS code: the object is encrypted with a key the operator removed from ossd's keyring. */
  EncryptionKeyUnavailable: {
    status: 500,
    message: "The object's bytes are encrypted with a key this server's keyring does not hold.",
  },
  InvalidObjectName: { status: 400, message: 'The specified object is not valid.' },
  InvalidPart: {
    status: 400,
    message:
      "One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag.",
  },
  InvalidPartOrder: {
    status: 400,
    message: 'The list of parts was not in ascending order. Parts must be ordered by part number.',
  },
  InvalidPolicyDocument: {
    status: 400,
    message: 'The content of the form does not meet the conditions specified in the policy document.',
  },
  InvalidRange: { status: 416, message: 'The requested range cannot be satisfied.' },
  InvalidRequest: { status: 400, message: 'Invalid request.' },
  InvalidTargetType: { status: 400, message: 'The symlink target object type is not supported.' },
  MalformedPOSTRequest: {
    status: 400,
    message: 'The body of your POST request is not well-formed multipart/form-data.',
  },
  MalformedXML: {
    status: 400,
    message: 'The XML you provided was not well-formed or did not validate against our published schema.',
  },
  MaxPOSTPreDataLengthExceeded: {
    status: 400,
    message: 'Your POST request fields preceding the upload file were too large.',
  },
  MethodNotAllowed: { status: 405, message: 'The specified method is not allowed against this resource.' },
  MissingArgument: { status: 411, message: 'Missing argument.' },
  MissingContentLength: { status: 411, message: 'You must provide the Content-Length HTTP header.' },
  NoSuchBucket: { status: 404, message: 'The specified bucket does not exist.' },
  NoSuchBucketPolicy: { status: 404, message: 'The bucket policy does not exist.' },
  NoSuchCORSConfiguration: { status: 404, message: 'The CORS Configuration does not exist.' },
  NoSuchLifecycle: { status: 404, message: 'No Row found in Lifecycle Table.' },
  NoSuchKey: { status: 404, message: 'The specified key does not exist.' },
  NoSuchTagSet: { status: 404, message: 'There is no tag set associated with the object.' },
  NoSuchUpload: {
    status: 404,
    message:
      'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
  },
  NotImplemented: { status: 501, message: 'A header you provided implies functionality that is not implemented.' },
  NotModified: { status: 304, message: 'Not Modified' },
  OperationNotSupported: { status: 400, message: 'The operation is not supported for this resource.' },
  ObjectNotAppendable: { status: 409, message: 'The object is not appendable' },
  PositionNotEqualToLength: { status: 409, message: 'Position is not equal to file length' },
  PreconditionFailed: { status: 412, message: 'At least one of the pre-conditions you specified did not hold.' },
  RequestIsNotMultiPartContent: {
    status: 400,
    message: 'Bucket POST must be of the enclosure-type multipart/form-data.',
  },
  RequestTimeout: {
    status: 400,
    message: 'Your socket connection to the server was not read from or written to within the timeout period.',
  },
  RequestTimeTooSkewed: {
    status: 403,
    message: 'The difference between the request time and the current time is too large.',
  },
  ServiceUnavailable: { status: 503, message: 'The service is temporarily unavailable. Please try again.' },
  SecurityTokenExpired: { status: 403, message: 'The security token you provided has expired.' },
  InvalidSecurityToken: { status: 403, message: 'The security token you provided is invalid.' },
  SignatureDoesNotMatch: {
    status: 403,
    message:
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
  },
  TooManyBuckets: { status: 400, message: 'You have attempted to create more buckets than allowed.' },
  InvalidTargetBucketForLogging: { status: 400, message: 'The target bucket for logging does not exist.' },
  InvalidTag: { status: 400, message: 'The tag provided was not a valid tag.' },
  FieldItemTooLong: { status: 400, message: 'Your POST request field is too long.' },
  SymlinkTargetNotExist: { status: 404, message: 'The symlink target object does not exist.' },
  NotSymlink: { status: 400, message: 'The specified object is not a symlink.' },
  NoSuchVersion: { status: 404, message: 'The specified version does not exist.' },
  NoSuchWebsiteConfiguration: { status: 404, message: 'The specified bucket does not have a website configuration.' },
  /** Not an OSS code (OSS never runs out of space): ossd's data directory is full. 507 as in RFC 4918. */
  InsufficientStorage: {
    status: 507,
    message: 'The server is out of disk space; nothing was stored. Reads and deletes still work.',
  },
  // Image processing (x-oss-process=image/…, styles).
  BadRequest: { status: 400, message: 'The request is not valid.' },
  ImageTooLarge: { status: 400, message: 'The image is too large to process.' },
  WatermarkError: { status: 400, message: 'The watermark could not be applied.' },
  NoSuchStyle: { status: 404, message: 'The specified style does not exist.' },
  TooManyStyles: { status: 400, message: 'A bucket can have at most 50 image styles.' },
} as const satisfies Record<string, ErrorSpec>;

export type OssErrorCode = keyof typeof ERRORS;
