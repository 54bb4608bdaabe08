import Foundation
import Hummingbird
import NIOCore
import NimbusCore
import NimbusInvoke
import NimbusStore

/// The Lambda operations the web console performs, in-process and already authenticated.
///
/// Each one calls the same service code as the signed REST route, so the console gets
/// the same validation, the same AWS-shaped JSON and the same ``LambdaError``s.
public struct LambdaOperations: Sendable {
    let functions: FunctionService
    let releases: ReleaseService

    public init(functions: FunctionService, releases: ReleaseService) {
        self.functions = functions
        self.releases = releases
    }

    public var registry: FunctionRegistry { functions.registry }
    public var codeStore: CodeStore { functions.codeStore }

    /// ListFunctions, one page of up to 50 (`marker`: the previous page's `NextMarker`).
    public func listFunctions(marker: String?) throws(LambdaError) -> Response {
        try functions.list(marker: marker, maxItems: "50", functionVersion: nil)
    }

    /// GetFunctionConfiguration of `$LATEST`.
    public func getConfiguration(_ name: String) throws(LambdaError) -> Response {
        try functions.getConfiguration(name, qualifier: nil)
    }

    /// GetFunction.
    public func getFunction(_ name: String, host: String?) throws(LambdaError) -> Response {
        try functions.get(name, qualifier: nil, host: host)
    }

    /// UpdateFunctionConfiguration, with its JSON body.
    public func updateConfiguration(_ name: String, body: ByteBuffer) throws(LambdaError) -> Response {
        try functions.updateConfiguration(name, body: body)
    }

    /// UpdateFunctionCode with an inline zip.
    public func updateCode(_ name: String, zip: Data) throws(LambdaError) -> Response {
        let body = #"{"ZipFile":"# + JSONText.quoted(zip.base64EncodedString()) + "}"
        return try functions.updateCode(name, body: ByteBuffer(string: body))
    }

    /// PublishVersion, with its JSON body.
    public func publishVersion(_ name: String, body: ByteBuffer) throws(LambdaError) -> Response {
        try releases.publish(name, body: body)
    }

    /// ListVersionsByFunction (first page of up to 50).
    public func listVersions(_ name: String) throws(LambdaError) -> Response {
        try releases.listVersions(name, query: ["MaxItems": "50"])
    }

    /// ListAliases (first page of up to 50).
    public func listAliases(_ name: String) throws(LambdaError) -> Response {
        try releases.listAliases(name, query: ["MaxItems": "50"])
    }

    /// CreateAlias, with its JSON body.
    public func createAlias(_ name: String, body: ByteBuffer) throws(LambdaError) -> Response {
        try releases.createAlias(name, body: body)
    }

    /// UpdateAlias, with its JSON body.
    public func updateAlias(_ name: String, alias: String, body: ByteBuffer) throws(LambdaError) -> Response {
        try releases.updateAlias(name, alias: alias, body: body)
    }

    /// A RequestResponse Invoke with the log tail, of `$LATEST` or the given version or alias.
    public func invoke(_ name: String, qualifier: String? = nil, payload: ByteBuffer, requestId: String) async throws(LambdaError) -> Response {
        var headers = HTTPFields()
        headers[.amzLogType] = "Tail"
        return try await functions.invoke(name, qualifier: qualifier, requestId: requestId, headers: headers, body: payload)
    }

    /// AWS's error body and headers, as the REST API sends them.
    public static func errorResponse(_ error: LambdaError, requestId: String) -> Response {
        ControlAPIResponder.errorResponse(error, requestId: requestId)
    }
}
