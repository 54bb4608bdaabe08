import Foundation

/// How Lambda handles a function's (or version's, or alias's) asynchronous invocations:
/// PutFunctionEventInvokeConfig and friends.
///
/// Unset fields are nil and are not reported, as AWS reports them; the defaults apply
/// when events run (``maximumRetryAttemptsOrDefault``, ``maximumEventAgeOrDefault``).
public struct EventInvokeConfig: Sendable, Equatable {
    public var functionName: String
    /// `$LATEST`, a version number or an alias name.
    public var qualifier: String
    public var maximumRetryAttempts: Int?
    public var maximumEventAgeInSeconds: Int?
    /// The OnSuccess destination ARN, if any.
    public var onSuccess: String?
    /// The OnFailure destination ARN, if any.
    public var onFailure: String?
    public var lastModified: Date

    public init(
        functionName: String, qualifier: String = "$LATEST", maximumRetryAttempts: Int? = nil,
        maximumEventAgeInSeconds: Int? = nil, onSuccess: String? = nil, onFailure: String? = nil,
        lastModified: Date = Date()
    ) {
        self.functionName = functionName
        self.qualifier = qualifier
        self.maximumRetryAttempts = maximumRetryAttempts
        self.maximumEventAgeInSeconds = maximumEventAgeInSeconds
        self.onSuccess = onSuccess
        self.onFailure = onFailure
        self.lastModified = lastModified
    }

    /// AWS's defaults: two retries of function errors, events kept for six hours.
    public static let defaultMaximumRetryAttempts = 2
    public static let defaultMaximumEventAgeInSeconds = 21_600

    public var maximumRetryAttemptsOrDefault: Int { maximumRetryAttempts ?? Self.defaultMaximumRetryAttempts }
    public var maximumEventAgeOrDefault: Int { maximumEventAgeInSeconds ?? Self.defaultMaximumEventAgeInSeconds }
}

/// What an asynchronous invocation ended with, as the invocation record's `condition` says.
public enum AsyncInvocationCondition: String, Sendable {
    case success = "Success"
    case retriesExhausted = "RetriesExhausted"
    case eventAgeExceeded = "EventAgeExceeded"
}
