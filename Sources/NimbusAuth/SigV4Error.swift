/// Why a request failed SigV4 verification, in the shape AWS reports it.
///
/// `code` is what AWS puts in `x-amzn-ErrorType` and the body's `__type`;
/// `message` is AWS's wording; `httpStatus` is the status to answer with.
public struct SigV4Error: Error, Sendable, Equatable {
    /// The AWS error type.
    public enum Code: String, Sendable {
        /// Neither an `Authorization` header nor a presigned query.
        case missingAuthenticationToken = "MissingAuthenticationTokenException"
        /// The authorization information is malformed or incomplete.
        case incompleteSignature = "IncompleteSignatureException"
        /// The access key id is not known.
        case unrecognizedClient = "UnrecognizedClientException"
        /// The signature, its scope or its time is wrong.
        case invalidSignature = "InvalidSignatureException"

        /// The status AWS's Lambda front end answers with.
        ///
        /// Lambda's front end answers like API Gateway's (the same
        /// `Missing Authentication Token` wording), which uses 403 for every
        /// authentication failure, `IncompleteSignatureException` included.
        public var httpStatus: Int { 403 }
    }

    /// The AWS error type.
    public var code: Code
    /// AWS's message for this failure.
    public var message: String
    /// The HTTP status to answer with.
    public var httpStatus: Int

    /// Creates an error; the status defaults to the code's.
    public init(code: Code, message: String, httpStatus: Int? = nil) {
        self.code = code
        self.message = message
        self.httpStatus = httpStatus ?? code.httpStatus
    }
}

extension SigV4Error {
    /// No `Authorization` header and no presigned query.
    static let missingAuthenticationToken = SigV4Error(
        code: .missingAuthenticationToken,
        message: "Missing Authentication Token"
    )

    /// The access key id in the credential scope is not configured.
    static let unrecognizedClient = SigV4Error(
        code: .unrecognizedClient,
        message: "The security token included in the request is invalid."
    )

    /// The signature does not match the one computed from the request.
    static let signatureMismatch = SigV4Error(
        code: .invalidSignature,
        message: "The request signature we calculated does not match the signature you provided. "
            + "Check your AWS Secret Access Key and signing method. "
            + "Consult the service documentation for details."
    )

    /// Both a header and a query carry authentication.
    static let bothAuthorizationMechanisms = SigV4Error(
        code: .invalidSignature,
        message: "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."
    )

    /// `host` is not among the signed headers.
    static let hostNotSigned = SigV4Error(
        code: .invalidSignature,
        message: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
    )

    /// The body does not hash to the signed `x-amz-content-sha256` value.
    static let contentSHA256Mismatch = SigV4Error(
        code: .invalidSignature,
        message: "The provided 'x-amz-content-sha256' header does not match what was computed."
    )

    /// Shorthand for an ``Code/incompleteSignature`` error.
    static func incomplete(_ message: String) -> SigV4Error {
        SigV4Error(code: .incompleteSignature, message: message)
    }

    /// Shorthand for an ``Code/invalidSignature`` error.
    static func invalid(_ message: String) -> SigV4Error {
        SigV4Error(code: .invalidSignature, message: message)
    }

    /// An `Authorization` component without `=`.
    static func notKeyValuePair(_ component: String, header: String) -> SigV4Error {
        incomplete(
            "'\(component)' not a valid key=value pair (missing equal-sign) in Authorization header: '\(header)'.")
    }

    /// A date that is not `yyyyMMdd'T'HHmmss'Z'` (or, for `Date`, not an HTTP date).
    static func badDateFormat(_ value: String) -> SigV4Error {
        incomplete("Date must be in ISO-8601 'basic format'. Got '\(value)'. See http://en.wikipedia.org/wiki/ISO_8601")
    }

    /// An algorithm other than `AWS4-HMAC-SHA256`.
    static func unsupportedAlgorithm(_ algorithm: String) -> SigV4Error {
        incomplete("Unsupported AWS 'algorithm': '\(algorithm)' (only AWS4-HMAC-SHA256 for now). ")
    }

    /// A credential that is not `keyid/date/region/service/aws4_request`.
    static func malformedCredential(_ credential: String) -> SigV4Error {
        incomplete(
            "Credential must have exactly 5 slash-delimited elements, "
                + "e.g. keyid/date/region/service/term, got '\(credential)'"
        )
    }
}
