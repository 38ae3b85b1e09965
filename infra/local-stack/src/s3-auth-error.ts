/** The codes real S3 answers a request with when it cannot authenticate it, and their statuses. */
export const S3_AUTH_ERROR_STATUS = Object.freeze({
  AccessDenied: 403,
  InvalidAccessKeyId: 403,
  SignatureDoesNotMatch: 403,
  RequestTimeTooSkewed: 403,
  AuthorizationHeaderMalformed: 400,
  AuthorizationQueryParametersError: 400,
  InvalidArgument: 400,
  InvalidRequest: 400,
});

export type S3AuthErrorCode = keyof typeof S3_AUTH_ERROR_STATUS;

/** Why the local S3 refuses a request, in S3's own words, so SDKs raise the error S3 would. */
export class S3AuthError extends Error {
  readonly status: number;

  constructor(
    readonly code: S3AuthErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'S3AuthError';
    this.status = S3_AUTH_ERROR_STATUS[code];
  }
}
