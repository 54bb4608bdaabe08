/// An error a client of the Lambda API sees: AWS's error type, message and HTTP status.
///
/// This is the catalogue of client-facing failures. Lower layers throw their own
/// errors; the edge maps them to a `LambdaError` before anything leaves the server.
public struct LambdaError: Error, Sendable, Equatable {
    /// AWS's error type name, sent as `X-Amzn-ErrorType`.
    public enum Code: String, Sendable, Equatable {
        case resourceNotFound = "ResourceNotFoundException"
        case resourceConflict = "ResourceConflictException"
        case invalidParameterValue = "InvalidParameterValueException"
        case validation = "ValidationException"
        case requestTooLarge = "RequestEntityTooLargeException"
        case invalidRequestContent = "InvalidRequestContentException"
        case unsupportedMediaType = "UnsupportedMediaTypeException"
        case tooManyRequests = "TooManyRequestsException"
        case service = "ServiceException"
        case unknownOperation = "UnknownOperationException"
        case missingAuthenticationToken = "MissingAuthenticationTokenException"
        case incompleteSignature = "IncompleteSignatureException"
        case unrecognizedClient = "UnrecognizedClientException"
        case invalidSignature = "InvalidSignatureException"
        case accessDenied = "AccessDeniedException"
        case preconditionFailed = "PreconditionFailedException"
        case provisionedConcurrencyConfigNotFound = "ProvisionedConcurrencyConfigNotFoundException"

        /// The HTTP status AWS answers with for this error type.
        public var httpStatus: Int {
            switch self {
            case .resourceNotFound, .unknownOperation, .provisionedConcurrencyConfigNotFound: 404
            case .resourceConflict: 409
            case .invalidParameterValue, .validation, .invalidRequestContent, .incompleteSignature: 400
            case .requestTooLarge: 413
            case .preconditionFailed: 412
            case .unsupportedMediaType: 415
            case .tooManyRequests: 429
            case .service: 500
            case .missingAuthenticationToken, .unrecognizedClient, .invalidSignature, .accessDenied: 403
            }
        }

        /// Whether AWS reports the fault as the caller's (`User`) or its own (`Service`).
        public var faultType: String { self == .service ? "Service" : "User" }

        /// The body's message key, as AWS spells it for this type: botocore's Lambda model
        /// says `Message` for ResourceNotFound and Service, `message` for the other modeled
        /// exceptions; the front end's own errors (validation, signatures, sizes) send
        /// `message`, and AccessDenied `Message`.
        public var messageKey: String {
            switch self {
            case .resourceNotFound, .service, .accessDenied: "Message"
            default: "message"
            }
        }

        /// Whether the body carries `Type` (only the exceptions of Lambda's own model do).
        public var hasTypeField: Bool {
            switch self {
            case .validation, .requestTooLarge, .unknownOperation, .missingAuthenticationToken, .incompleteSignature,
                 .unrecognizedClient, .invalidSignature, .accessDenied:
                false
            default:
                true
            }
        }
    }

    public var code: Code
    public var message: String
    /// Overrides `code.httpStatus` where AWS uses an unusual status for a code.
    public var statusOverride: Int?
    /// TooManyRequestsException's `Reason` (for example `ConcurrentInvocationLimitExceeded`).
    public var reason: String?
    /// TooManyRequestsException's `Retry-After` header, in seconds.
    public var retryAfterSeconds: Int?
    /// Leaves `Type` out of the body, as AWS does for a few InvalidParameterValue errors
    /// (the concurrency limits, an alias's routing to `$LATEST`).
    public var omitsType = false

    public init(_ code: Code, _ message: String, status: Int? = nil, reason: String? = nil, retryAfterSeconds: Int? = nil) {
        self.code = code
        self.message = message
        self.statusOverride = status
        self.reason = reason
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var httpStatus: Int { statusOverride ?? code.httpStatus }
}

extension LambdaError {
    /// An error whose body AWS sends without `Type`.
    public static func withoutType(_ code: Code, _ message: String) -> LambdaError {
        var error = LambdaError(code, message)
        error.omitsType = true
        return error
    }

    /// `Function not found: <arn>` (404).
    public static func functionNotFound(_ arn: String) -> LambdaError {
        LambdaError(.resourceNotFound, "Function not found: \(arn)")
    }

    /// `Function already exist: <name>` (409), AWS's own wording.
    public static func functionAlreadyExists(_ name: String) -> LambdaError {
        LambdaError(.resourceConflict, "Function already exist: \(name)")
    }

    /// An invocation refused for lack of concurrency (429), with AWS's reason.
    ///
    /// A reserved-concurrency throttle has no `Retry-After`: boto3 would show it as
    /// `retryAfterSeconds`, and the four recorded AWS throttles of that reason have none.
    /// The account-wide one says 1 s (not recorded; the model allows the header).
    public static func throttled(_ reason: String) -> LambdaError {
        let reserved = reason == "ReservedFunctionConcurrentInvocationLimitExceeded"
        return LambdaError(.tooManyRequests, "Rate Exceeded.", reason: reason, retryAfterSeconds: reserved ? nil : 1)
    }

    /// RevisionId precondition failure, AWS's wording for functions and aliases.
    public static let revisionMismatch = LambdaError(.preconditionFailed, "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id")

    /// A failure inside Nimbus. The message never carries internal detail.
    public static let internalFailure = LambdaError(.service, "An internal error occurred. Please try again.")
}
