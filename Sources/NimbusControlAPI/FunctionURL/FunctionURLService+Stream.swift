import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NimbusCore
import NimbusInvoke

extension FunctionURLService {
    /// InvokeWithResponseStream (`POST /2021-11-15/functions/{name}/response-streaming-invocations`).
    ///
    /// The answer is an event stream: `PayloadChunk` events with the function's output,
    /// then one `InvokeComplete` (with `ErrorCode`/`ErrorDetails` when the function failed,
    /// and `LogResult` when `X-Amz-Log-Type: Tail`). The built-in runtimes do not stream,
    /// so the whole result is one chunk.
    func invokeWithResponseStream(_ rawName: String, qualifier: String?, requestId: String, headers: HTTPFields, body: ByteBuffer) async throws(LambdaError) -> Response {
        let identifier = try FunctionIdentifier.parse(rawName)
        try identifier.checkScope(account)
        let resolved = try identifier.resolvedQualifier(qualifier)
        var errors = ValidationErrors()
        let invocationType = headers[.amzInvocationType] ?? "RequestResponse"
        if !["RequestResponse", "DryRun"].contains(invocationType) {
            errors.add(value: invocationType, at: "invocationType", constraint: "Member must satisfy enum value set: [RequestResponse, DryRun]")
        }
        let logType = headers[.amzLogType] ?? "None"
        if !["None", "Tail"].contains(logType) {
            errors.add(value: logType, at: "logType", constraint: "Member must satisfy enum value set: [None, Tail]")
        }
        try errors.throwIfAny()
        let latest = resolved.flatMap { $0 == FunctionConfiguration.latest ? nil : $0 }
        switch registry.resolve(identifier.name, qualifier: latest) {
        case .function: break
        case .noFunction where resolved == nil: throw .functionNotFound(account.functionArn(identifier.name))
        default: throw .functionNotFound(account.functionArn(identifier.name, qualifier: resolved ?? FunctionConfiguration.latest))
        }
        let clientContext = try FunctionService.decodeClientContext(headers[.amzClientContext])
        let payload = try FunctionService.checkedPayload(body)
        if invocationType == "DryRun" { return Response(status: .noContent) }

        let result = try await invoker.invoke(InvokeRequest(
            requestId: requestId, functionName: identifier.name, qualifier: resolved, payload: payload,
            clientContext: clientContext, wantsLogTail: logType == "Tail"
        ))
        let stream = Self.eventStream(result)
        var responseHeaders = HTTPFields()
        responseHeaders[.contentType] = "application/vnd.amazon.eventstream"
        responseHeaders[.amznRequestId] = result.requestId
        responseHeaders[.amzExecutedVersion] = result.executedVersion
        return Response(status: .ok, headers: responseHeaders, body: ResponseBody { writer in
            for message in stream { try await writer.write(ByteBuffer(bytes: message)) }
            try await writer.finish(nil)
        })
    }

    /// The encoded messages for a finished invocation.
    static func eventStream(_ result: InvokeResult) -> [[UInt8]] {
        var messages: [[UInt8]] = []
        var complete: [String: String] = [:]
        if let functionError = result.functionError {
            complete["ErrorCode"] = functionError
            complete["ErrorDetails"] = String(buffer: result.payload)
        } else if result.payload.readableBytes > 0 {
            messages.append(EventStreamMessage.event("PayloadChunk", contentType: "application/octet-stream", payload: Array(buffer: result.payload)).encoded())
        }
        if let tail = result.logTail { complete["LogResult"] = Data(tail.utf8).base64EncodedString() }
        let json = (try? JSONSerialization.data(withJSONObject: complete, options: [.sortedKeys, .withoutEscapingSlashes])).map(Array.init) ?? Array("{}".utf8)
        messages.append(EventStreamMessage.event("InvokeComplete", contentType: "application/json", payload: json).encoded())
        return messages
    }
}
