import Foundation

/// A client-facing error of an AWS JSON 1.1 service: the `__type` botocore turns into an
/// exception, AWS's message, and the HTTP status.
public protocol AWSJSONError: Error, Sendable {
    var type: String { get }
    var message: String { get }
    var status: Int { get }
    init(type: String, message: String, status: Int)
    /// The answer to a body that is not a JSON object.
    static var serialization: Self { get }
    /// The answer to anything unexpected.
    static var internalFailure: Self { get }
}

/// An HTTP answer from an AWS JSON 1.1 service, independent of the HTTP framework.
public struct AWSJSONResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
}

/// A service in AWS's JSON 1.1 protocol (EventBridge, Kinesis, CloudWatch Logs):
/// `POST /` with `X-Amz-Target: <targetPrefix><Operation>`; answers and errors are JSON,
/// errors as `{"__type":"<Shape>","message":...}`. Conformers only dispatch operations;
/// parsing, encoding and error answers are shared.
public protocol AWSJSONService: Sendable {
    associatedtype Failure: AWSJSONError
    /// For example `Kinesis_20131202.`.
    static var targetPrefix: String { get }
    /// The largest request body the service takes.
    static var bodyLimit: Int { get }
    /// The `__type` of the answer to a larger body.
    static var tooLargeType: String { get }
    /// Runs one operation on the request's JSON object; returns the answer's JSON object.
    func dispatch(_ operation: String, _ request: [String: Any]) throws(Failure) -> [String: Any]
}

public enum AWSJSON {
    public static let contentType = "application/x-amz-json-1.1"

    /// `{"__type":...,"message":...}` with the error's status.
    public static func errorResponse(_ error: some AWSJSONError) -> AWSJSONResponse {
        let object = ["__type": error.type, "message": error.message]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return AWSJSONResponse(status: error.status, headers: [("Content-Type", contentType)], body: [UInt8](data))
    }
}

extension AWSJSONService {
    /// Answers one request: its operation from the `X-Amz-Target` value, its body as JSON.
    public func handle(target: String, body: [UInt8]) -> AWSJSONResponse {
        do throws(Failure) {
            let operation = String(target.dropFirst(Self.targetPrefix.count))
            var object: [String: Any] = [:]
            if !body.isEmpty {
                guard let parsed = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else { throw Failure.serialization }
                object = parsed
            }
            let result = try dispatch(operation, object)
            guard let data = try? JSONSerialization.data(withJSONObject: result, options: [.sortedKeys]) else {
                return AWSJSON.errorResponse(Failure.internalFailure)
            }
            return AWSJSONResponse(status: 200, headers: [("Content-Type", AWSJSON.contentType)], body: [UInt8](data))
        } catch {
            return AWSJSON.errorResponse(error)
        }
    }
}
