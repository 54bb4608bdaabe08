import Foundation
import Hummingbird
import Logging
import NIOCore
import NimbusCore
import NimbusStore

/// JSON in and out of the Lambda API, with AWS's errors for bodies it cannot read.
enum WireCoding {
    static func decode<T: Decodable>(_ body: ByteBuffer) throws(LambdaError) -> T {
        let data = body.withUnsafeReadableBytes { Data($0) }
        do {
            return try LambdaJSON.decoder.decode(T.self, from: data.isEmpty ? Data("{}".utf8) : data)
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw LambdaError(.invalidRequestContent, "Could not parse request body into json: Could not parse payload into json: Cannot deserialize value of the expected type for field '\(field)'")
        } catch {
            throw LambdaError(.invalidRequestContent, "Could not parse request body into json: Could not parse payload into json: Unexpected character: was expecting a valid JSON value")
        }
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws(LambdaError) -> Response {
        do {
            let data = try LambdaJSON.encoder.encode(value)
            return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
        } catch {
            throw LambdaError.internalFailure
        }
    }
}

/// Deployment packages and layer contents sent inline as base64 `ZipFile`.
enum CodeUpload {
    /// Decodes, checks and stores a zip; maps the store's refusals to AWS's errors.
    static func store(zipFile: String, in codeStore: CodeStore, logger: Logger) throws(LambdaError) -> StoredCode {
        guard let zip = Data(base64Encoded: zipFile) else {
            throw LambdaError(.invalidParameterValue, "Could not unzip uploaded file. Please check your file, then try to upload again.")
        }
        do {
            return try codeStore.store(zip: zip)
        } catch {
            switch error.code {
            case .zippedTooLarge:
                throw LambdaError(.requestTooLarge, "Zipped size must be smaller than \(Limits.zippedCodeSize) bytes")
            case .unzippedTooLarge:
                throw LambdaError(.invalidParameterValue, "Unzipped size must be smaller than \(Limits.unzippedCodeSize) bytes")
            case .notAZip:
                throw LambdaError(.invalidParameterValue, "Could not unzip uploaded file. Please check your file, then try to upload again.")
            case .unsafeEntry:
                throw LambdaError(.invalidParameterValue, "Could not unzip uploaded file. The deployment package contains an entry that would be written outside the function's folder (an absolute path, a '..' component, or a symbolic link pointing outside).")
            case .conflict, .notFound, .revisionMismatch, .io:
                logger.error("could not store code: \(error)")
                throw LambdaError.internalFailure
            }
        }
    }
}
