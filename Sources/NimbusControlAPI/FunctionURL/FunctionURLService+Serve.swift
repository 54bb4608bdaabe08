import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NimbusAuth
import NimbusCore
import NimbusInvoke
import NimbusStore

extension FunctionURLService {
    /// AWS's 403 for a URL that does not exist.
    static let unknownURLBody = #"{"Message":null}"#
    /// AWS's 403 for a refused signature, or a URL whose alias is gone.
    static let forbiddenBody = #"{"Message":"Forbidden. For troubleshooting Function URL authorization issues, see: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"}"#

    /// Serves one HTTP request to a function URL: authenticates it (AWS_IAM), answers a CORS
    /// preflight itself, or invokes the function with the request as a 2.0 event and maps
    /// the result back to HTTP.
    ///
    /// Never throws a Lambda API error: a URL's client gets AWS's URL answers instead.
    func serve(_ request: Request, address: FunctionURLAddress, fullRawPath: String, rawQuery: String?, requestId: String, sourceIp: String) async -> Response {
        let record: FunctionURLRecord
        do {
            guard let found = try store.get(urlId: address.urlId) else { return Self.plain(403, Self.unknownURLBody, errorType: "AccessDeniedException") }
            record = found
        } catch {
            logger.error("function URL store: \(error)")
            return Self.plain(500, #"{"Message":"Internal Server Error"}"#)
        }
        let limit = 6_291_456
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            return Self.plain(413, #"{"Message":"Request must be smaller than 6291456 bytes for the InvokeFunction operation"}"#, errorType: "RequestEntityTooLargeException")
        }
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: limit) } catch {
            return Self.plain(413, #"{"Message":"Request must be smaller than 6291456 bytes for the InvokeFunction operation"}"#, errorType: "RequestEntityTooLargeException")
        }
        var fields: [(name: String, value: String)] = request.headers.map { ($0.name.canonicalName, $0.value) }
        let host = request.head.authority
        if let host, !fields.contains(where: { $0.name.lowercased() == "host" }) { fields.insert(("host", host), at: 0) }

        var caller: FunctionURLCaller?
        if record.authType == "AWS_IAM" {
            let hash = body.withUnsafeReadableBytes { SigV4Verifier.sha256Hex($0) }
            let signed = SigV4Request(method: request.method.rawValue, rawPath: fullRawPath, rawQuery: rawQuery, headers: fields, payloadSHA256Hex: hash)
            guard let accessKey = try? verifier.verify(signed) else {
                return Self.plain(403, Self.forbiddenBody, errorType: "AccessDeniedException")
            }
            caller = FunctionURLCaller(accessKey: accessKey, accountId: account.id)
        }

        let cors = Self.decodeCors(record.cors)
        let origin = request.headers[.origin]
        if let cors, request.method == .options, origin != nil, request.headers[.accessControlRequestMethod] != nil {
            var response = Response(status: .ok)
            for field in cors.preflightHeaders(origin: origin) { Self.set(field, in: &response.headers) }
            return response
        }

        let domainName = "\(record.urlId).lambda-url.\(account.region).localhost"
        let event = FunctionURLEvent.build(
            FunctionURLRequest(
                method: request.method.rawValue, rawPath: address.rawPath, rawQuery: rawQuery,
                headers: fields, body: Array(buffer: body), sourceIp: sourceIp
            ),
            urlId: record.urlId, domainName: domainName, accountId: account.id, requestId: requestId, time: clock(), caller: caller
        )
        let result: InvokeResult
        do {
            var invocation = InvokeRequest(requestId: requestId, functionName: record.functionName, qualifier: record.qualifier, payload: ByteBuffer(bytes: event))
            invocation.traceHeader = TraceHeader.incoming(request.headers)?.value
            result = try await invoker.invoke(invocation)
        } catch {
            switch error.code {
            case .resourceNotFound: return Self.plain(403, Self.forbiddenBody, errorType: "AccessDeniedException")
            case .tooManyRequests: return Self.plain(429, #"{"Message":"Rate Exceeded."}"#, errorType: "TooManyRequestsException")
            default: return Self.plain(502, "Internal Server Error")
            }
        }

        let mapped: FunctionURLHTTPResponse
        let streamed = record.invokeMode == "RESPONSE_STREAM" && result.functionError == nil
        if streamed {
            // A function that does not stream sends its whole result as the one chunk.
            mapped = FunctionURLHTTPResponse(status: 200, headers: [.init(name: "Content-Type", value: "application/octet-stream")], body: Array(buffer: result.payload))
        } else {
            mapped = FunctionURLResponse.map(payload: Array(buffer: result.payload), functionError: result.functionError)
        }
        var headers = HTTPFields()
        for field in mapped.headers { Self.add(field, to: &headers) }
        for field in cors?.responseHeaders(origin: origin) ?? [] { Self.set(field, in: &headers) }
        let payload = ByteBuffer(bytes: mapped.body)
        if streamed {
            return Response(status: .init(code: mapped.status), headers: headers, body: ResponseBody { writer in
                try await writer.write(payload)
                try await writer.finish(nil)
            })
        }
        return Response(status: .init(code: mapped.status), headers: headers, body: .init(byteBuffer: payload))
    }

    static func plain(_ status: Int, _ body: String, errorType: String? = nil) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if let errorType { headers[.amznErrorType] = errorType }
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    private static func add(_ field: FunctionURLHTTPResponse.HeaderField, to headers: inout HTTPFields) {
        guard let name = HTTPField.Name(field.name) else { return }
        headers.append(HTTPField(name: name, value: field.value))
    }

    /// Replaces any header of that name: configured CORS headers win over the function's.
    private static func set(_ field: FunctionURLHTTPResponse.HeaderField, in headers: inout HTTPFields) {
        guard let name = HTTPField.Name(field.name) else { return }
        headers[name] = field.value
    }
}
