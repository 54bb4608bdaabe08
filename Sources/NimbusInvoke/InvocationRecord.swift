import Foundation
import NimbusCore
import NimbusStore

/// The JSON document Lambda sends to a destination about an asynchronous invocation
/// (invocation-async.md, and the records in test_lambda_destinations.snapshot.json).
///
/// Written by hand so the keys keep AWS's order and the payloads are embedded as the
/// JSON they are, not re-encoded.
public enum InvocationRecord {
    /// - Parameters:
    ///   - functionArn: the qualified ARN (`...:function:NAME:$LATEST`).
    ///   - invokeCount: `approximateInvokeCount`, attempts that ran the function.
    ///   - response: the last attempt's response; nil when the function never ran
    ///     (throttled until the event expired): `responseContext` and
    ///     `responsePayload` are then left out.
    public static func json(
        condition: AsyncInvocationCondition, requestId: String, functionArn: String, invokeCount: Int,
        requestPayload: Data, response: AsyncAttemptResponse?, timestamp: Date
    ) -> Data {
        var text = #"{"version":"1.0","timestamp":"# + JSONText.quoted(AWSDate.invocationRecord(timestamp))
        text += #","requestContext":{"requestId":"# + JSONText.quoted(requestId)
        text += #","functionArn":"# + JSONText.quoted(functionArn)
        text += #","condition":"# + JSONText.quoted(condition.rawValue)
        text += #","approximateInvokeCount":"# + String(invokeCount) + "}"
        text += #","requestPayload":"# + embedded(requestPayload)
        if let response {
            text += #","responseContext":{"statusCode":"# + String(response.statusCode)
            text += #","executedVersion":"# + JSONText.quoted(response.executedVersion)
            if let functionError = response.functionError {
                text += #","functionError":"# + JSONText.quoted(functionError)
            }
            text += "}"
            text += #","responsePayload":"# + embedded(response.payload)
        }
        text += "}"
        return Data(text.utf8)
    }

    /// JSON as itself; anything else (a runtime may answer with plain text) as a string.
    static func embedded(_ payload: Data) -> String {
        if payload.isEmpty { return "null" }
        if (try? JSONSerialization.jsonObject(with: payload, options: [.fragmentsAllowed])) != nil {
            return String(decoding: payload, as: UTF8.self)
        }
        return JSONText.quoted(String(decoding: payload, as: UTF8.self))
    }
}
