import Foundation
import Hummingbird
import Logging
import NIOCore
import NimbusCore
import NimbusInvoke
import NimbusSandbox
import NimbusStore

/// The Lambda operations on functions: wire input in, AWS-shaped responses out.
public struct FunctionService: Sendable {
    let account: Account
    let registry: FunctionRegistry
    let codeStore: CodeStore
    let layers: LayerService
    let invoker: Invoker
    let asyncInvoker: AsyncInvoker
    let logger: Logger
    /// The functions' tags (CreateFunction's `Tags`, GetFunction's `Tags`, cleanup on delete).
    let tags: TagService?

    public init(account: Account, registry: FunctionRegistry, codeStore: CodeStore, layers: LayerService, invoker: Invoker, asyncInvoker: AsyncInvoker, logger: Logger, tags: TagService? = nil) {
        self.tags = tags
        self.account = account
        self.registry = registry
        self.codeStore = codeStore
        self.layers = layers
        self.invoker = invoker
        self.asyncInvoker = asyncInvoker
        self.logger = logger
    }

    // MARK: CreateFunction

    func create(body: ByteBuffer) throws(LambdaError) -> Response {
        let input: CreateFunctionInput = try decode(body)

        var errors = ValidationErrors()
        let identifier: FunctionIdentifier?
        if let rawName = input.functionName {
            do { identifier = try FunctionIdentifier.parse(rawName) } catch { throw error }
        } else {
            errors.add(value: nil, at: "functionName", constraint: "Member must not be null")
            identifier = nil
        }
        FunctionRules.checkRole(input.role, required: true, into: &errors)
        FunctionRules.checkHandler(input.handler, into: &errors)
        FunctionRules.checkDescription(input.description, into: &errors)
        FunctionRules.checkTimeout(input.timeout, into: &errors)
        FunctionRules.checkMemorySize(input.memorySize, into: &errors)
        FunctionRules.checkEphemeralStorage(input.ephemeralStorage?.size, into: &errors)
        FunctionRules.checkArchitectures(input.architectures, into: &errors)
        LayerRules.checkFunctionLayerArns(input.layers, into: &errors)
        if input.code == nil { errors.add(value: nil, at: "code", constraint: "Member must not be null") }
        try errors.throwIfAny()
        guard let identifier, let role = input.role, let code = input.code else { throw LambdaError.internalFailure }

        try identifier.checkScope(account)
        if identifier.qualifier != nil || identifier.name.utf8.count > Limits.functionNameLength {
            var nameErrors = ValidationErrors()
            nameErrors.add(value: identifier.name, at: "functionName", constraint: "Member must have length less than or equal to \(Limits.functionNameLength)")
            try nameErrors.throwIfAny(.invalidParameterValue)
        }
        if let packageType = input.packageType, packageType != "Zip" {
            throw LambdaError(.invalidParameterValue, "Nimbus supports only the Zip package type.")
        }
        guard let runtimeName = input.runtime, let handler = input.handler else {
            throw LambdaError(.invalidParameterValue, "Runtime and Handler are mandatory parameters for functions created with deployment packages.")
        }
        let runtime = try FunctionRules.checkRuntime(runtimeName)
        try FunctionRules.checkEnvironment(input.environment?.variables)
        try tags?.checkCreateTags(input.tags)
        if registry.get(identifier.name) != nil { throw .functionAlreadyExists(identifier.name) }
        let functionLayers = try layers.resolveFunctionLayers(input.layers ?? [])

        let stored = try storeCode(code.zipFile, s3Bucket: code.s3Bucket, imageUri: code.imageUri)
        try LayerRules.checkCombinedSize(functionUnzipped: stored.unzippedSize, layers: functionLayers)
        let configuration = FunctionConfiguration(
            name: identifier.name,
            runtime: runtime,
            role: role,
            handler: handler,
            description: input.description ?? "",
            timeout: input.timeout ?? Limits.defaultTimeout,
            memorySize: input.memorySize ?? Limits.defaultMemorySize,
            ephemeralStorageSize: input.ephemeralStorage?.size ?? Limits.defaultEphemeralStorage,
            environment: input.environment?.variables ?? [:],
            architectures: input.architectures ?? ["x86_64"],
            codeSHA256Hex: stored.sha256Hex,
            codeSize: stored.size,
            layers: functionLayers,
            deadLetterTargetArn: try Self.deadLetterTarget(input.deadLetterConfig, removable: false)
        )
        try registry.create(configuration)
        try tags?.functionCreated(identifier.name, tags: input.tags)
        if input.publish == true {
            // CreateFunction answers with version 1's configuration when asked to publish.
            let version = try registry.publish(identifier.name, notFound: .functionNotFound(account.functionArn(identifier.name)), expectedCodeSHA256: nil, description: nil, revisionId: nil)
            return try json(FunctionConfigurationOutput(version, account: account, codeSHA256Base64: stored.sha256Base64, moment: .created), status: .created)
        }
        return try json(FunctionConfigurationOutput(configuration, account: account, codeSHA256Base64: stored.sha256Base64, moment: .created), status: .created)
    }

    // MARK: Reads

    func get(_ rawName: String, qualifier: String?, host: String?) throws(LambdaError) -> Response {
        let (configuration, arnQualifier) = try resolve(rawName, qualifier: qualifier)
        let location = "http://\(host ?? "127.0.0.1")/_nimbus/code/\(configuration.codeSHA256Hex).zip"
        let reserved = registry.state(configuration.name)?.reservedConcurrency
        let output = GetFunctionOutput(
            configuration: output(configuration, moment: .settled, arnQualifier: arnQualifier),
            code: .init(location: location),
            concurrency: reserved.map { ConcurrencyWire(reservedConcurrentExecutions: $0) },
            tags: try tags?.tagsForGetFunction(configuration.name)
        )
        return try json(output)
    }

    func getConfiguration(_ rawName: String, qualifier: String?) throws(LambdaError) -> Response {
        let (configuration, arnQualifier) = try resolve(rawName, qualifier: qualifier)
        return try json(output(configuration, moment: .settled, arnQualifier: arnQualifier))
    }

    func list(marker: String?, maxItems: String?, functionVersion: String?) throws(LambdaError) -> Response {
        var errors = ValidationErrors()
        var limit = 50
        if let maxItems {
            if let value = Int(maxItems) {
                if value < 1 {
                    errors.add(value: maxItems, at: "maxItems", constraint: "Member must have value greater than or equal to 1")
                } else if value > 10000 {
                    errors.add(value: maxItems, at: "maxItems", constraint: "Member must have value less than or equal to 10000")
                }
                // AWS returns at most 50 per page, whatever MaxItems says.
                limit = min(max(value, 1), 50)
            } else {
                throw LambdaError(.invalidParameterValue, "Value '\(maxItems)' at 'maxItems' is not a valid integer")
            }
        }
        if let functionVersion, functionVersion != "ALL" {
            errors.add(value: functionVersion, at: "functionVersion", constraint: "Member must satisfy enum value set: [ALL]")
        }
        try errors.throwIfAny()
        let page = registry.list(after: marker.flatMap(Self.decodeMarker), limit: limit + 1)
        let items = page.prefix(limit)
        let next = page.count > limit ? items.last.map { Self.encodeMarker($0.name) } : nil
        return try json(ListFunctionsOutput(functions: items.map { output($0, moment: .listed) }, nextMarker: next))
    }

    func accountSettings() throws(LambdaError) -> Response {
        let usage = registry.usage()
        return try json(AccountSettingsOutput(
            accountLimit: .init(
                totalCodeSize: Limits.totalCodeSize,
                codeSizeUnzipped: Limits.unzippedCodeSize,
                codeSizeZipped: Limits.zippedCodeSize,
                concurrentExecutions: invoker.concurrencyLimit,
                unreservedConcurrentExecutions: invoker.concurrencyLimit - registry.totalReserved
            ),
            accountUsage: .init(totalCodeSize: usage.totalCodeSize, functionCount: usage.functionCount)
        ))
    }

    /// Work counters for tests and debugging: processes spawned, environments.
    func stats() throws(LambdaError) -> Response {
        let counts = registry.environmentCounts()
        return try json(StatsOutput(
            processesSpawned: SupervisedProcess.spawned.load(ordering: .relaxed),
            environmentsIdle: counts.idle, environmentsBusy: counts.busy
        ))
    }

    func codeDownload(sha256Hex: String) throws(LambdaError) -> Response {
        guard let data = FileManager.default.contents(atPath: codeStore.zipPath(for: sha256Hex)) else {
            throw LambdaError(.resourceNotFound, "The resource you requested does not exist.")
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/zip"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    // MARK: Updates

    func updateCode(_ rawName: String, body: ByteBuffer) throws(LambdaError) -> Response {
        let input: UpdateFunctionCodeInput = try decode(body)
        var errors = ValidationErrors()
        FunctionRules.checkArchitectures(input.architectures, into: &errors)
        try errors.throwIfAny()
        let name = try unqualifiedName(rawName)
        guard let existing = registry.get(name) else { throw .functionNotFound(account.functionArn(name)) }
        try checkRevision(input.revisionId, existing)  // early, before storing code; checked again atomically below
        let stored = try storeCode(input.zipFile, s3Bucket: input.s3Bucket, imageUri: input.imageUri)
        try LayerRules.checkCombinedSize(functionUnzipped: stored.unzippedSize, layers: existing.layers)
        if input.dryRun == true {
            var preview = existing
            preview.codeSHA256Hex = stored.sha256Hex
            preview.codeSize = stored.size
            return try json(FunctionConfigurationOutput(preview, account: account, codeSHA256Base64: stored.sha256Base64, moment: .settled))
        }
        let updated = try registry.update(name, notFound: .functionNotFound(account.functionArn(name))) { (configuration: inout FunctionConfiguration) throws(LambdaError) in
            try LayerRules.checkCombinedSize(functionUnzipped: stored.unzippedSize, layers: configuration.layers)
            configuration.codeSHA256Hex = stored.sha256Hex
            configuration.codeSize = stored.size
            if let architectures = input.architectures { configuration.architectures = architectures }
        }
        if input.publish == true {
            let version = try registry.publish(name, notFound: .functionNotFound(account.functionArn(name)), expectedCodeSHA256: nil, description: nil, revisionId: nil)
            return try json(FunctionConfigurationOutput(version, account: account, codeSHA256Base64: stored.sha256Base64, moment: .updated))
        }
        return try json(FunctionConfigurationOutput(updated, account: account, codeSHA256Base64: stored.sha256Base64, moment: .updated))
    }

    func updateConfiguration(_ rawName: String, body: ByteBuffer) throws(LambdaError) -> Response {
        let input: UpdateFunctionConfigurationInput = try decode(body)
        var errors = ValidationErrors()
        FunctionRules.checkRole(input.role, required: false, into: &errors)
        FunctionRules.checkHandler(input.handler, into: &errors)
        FunctionRules.checkDescription(input.description, into: &errors)
        FunctionRules.checkTimeout(input.timeout, into: &errors)
        FunctionRules.checkMemorySize(input.memorySize, into: &errors)
        FunctionRules.checkEphemeralStorage(input.ephemeralStorage?.size, into: &errors)
        LayerRules.checkFunctionLayerArns(input.layers, into: &errors)
        try errors.throwIfAny()
        let name = try unqualifiedName(rawName)
        let runtime = try input.runtime.map { (value: String) throws(LambdaError) -> Runtime in try FunctionRules.checkRuntime(value) }
        try FunctionRules.checkEnvironment(input.environment?.variables)
        guard registry.get(name) != nil else { throw .functionNotFound(account.functionArn(name)) }
        let functionLayers = try input.layers.map { (arns: [String]) throws(LambdaError) -> [FunctionLayer] in try layers.resolveFunctionLayers(arns) }
        let update = FunctionConfigurationUpdate(
            runtime: runtime,
            role: input.role,
            handler: input.handler,
            description: input.description,
            timeout: input.timeout,
            memorySize: input.memorySize,
            ephemeralStorageSize: input.ephemeralStorage?.size,
            environment: input.environment.map { $0.variables ?? [:] },
            layers: functionLayers,
            deadLetterTargetArn: try Self.deadLetterTarget(input.deadLetterConfig)
        )
        let updated = try registry.update(name, notFound: .functionNotFound(account.functionArn(name))) { (configuration: inout FunctionConfiguration) throws(LambdaError) in
            try checkRevision(input.revisionId, configuration)
            if let functionLayers {
                try LayerRules.checkCombinedSize(functionUnzipped: try layers.unzippedSize(ofCode: configuration.codeSHA256Hex), layers: functionLayers)
            }
            update.apply(to: &configuration)
        }
        return try json(output(updated, moment: .updated))
    }

    func delete(_ rawName: String, qualifier: String?) throws(LambdaError) -> Response {
        let identifier = try FunctionIdentifier.parse(rawName)
        try identifier.checkScope(account)
        let resolved = try identifier.resolvedQualifier(qualifier)
        if resolved == "$LATEST" {
            throw LambdaError(.invalidParameterValue, "$LATEST version cannot be deleted without deleting the function.")
        }
        if let resolved {
            guard registry.get(identifier.name) != nil else { throw .functionNotFound(account.functionArn(identifier.name)) }
            guard let number = Int(resolved) else {
                throw LambdaError(.invalidParameterValue, "Deletion of aliases is not supported.")
            }
            try registry.deleteVersion(identifier.name, number: number, notFound: .functionNotFound(account.functionArn(identifier.name, qualifier: resolved)))
            return Response(status: .noContent)
        }
        try registry.delete(identifier.name, notFound: .functionNotFound(account.functionArn(identifier.name)))
        _ = try? tags?.functionDeleted(identifier.name)  // logged inside; CreateFunction clears leftovers too
        try asyncInvoker.functionDeleted(identifier.name)
        invoker.metrics?.functionDeleted(identifier.name)
        return Response(status: .noContent)
    }

    // MARK: Invoke

    func invoke(_ rawName: String, qualifier: String?, requestId: String, headers: HTTPFields, body: ByteBuffer) async throws(LambdaError) -> Response {
        let identifier = try FunctionIdentifier.parse(rawName)
        try identifier.checkScope(account)
        let resolved = try identifier.resolvedQualifier(qualifier)
        var errors = ValidationErrors()
        let invocationType = headers[.amzInvocationType] ?? "RequestResponse"
        if !["RequestResponse", "Event", "DryRun"].contains(invocationType) {
            errors.add(value: invocationType, at: "invocationType", constraint: "Member must satisfy enum value set: [Event, RequestResponse, DryRun]")
        }
        let logType = headers[.amzLogType] ?? "None"
        if !["None", "Tail"].contains(logType) {
            errors.add(value: logType, at: "logType", constraint: "Member must satisfy enum value set: [None, Tail]")
        }
        try errors.throwIfAny()
        _ = try resolve(rawName, qualifier: qualifier)
        let clientContext = try Self.decodeClientContext(headers[.amzClientContext])
        let payload = try Self.checkedPayload(body)

        var request = InvokeRequest(requestId: requestId, functionName: identifier.name, qualifier: resolved, payload: payload, clientContext: clientContext, wantsLogTail: logType == "Tail")
        request.traceHeader = TraceHeader.incoming(headers)?.value
        switch invocationType {
        case "DryRun":
            return Response(status: .noContent)
        case "Event":
            if payload.readableBytes > Limits.asyncPayload {
                throw LambdaError(.requestTooLarge, "Request must be smaller than \(Limits.asyncPayload) bytes for the InvokeAsync operation")
            }
            try await asyncInvoker.enqueue(request)
            return Response(status: .accepted, headers: [.contentType: "application/json", .amznRequestId: requestId])
        default:
            let result = try await invoker.invoke(request)
            var responseHeaders = HTTPFields()
            responseHeaders.reserveCapacity(4)
            responseHeaders[.contentType] = "application/json"
            responseHeaders[.amznRequestId] = result.requestId
            responseHeaders[.amzExecutedVersion] = result.executedVersion
            if let functionError = result.functionError {
                responseHeaders[.amzFunctionError] = functionError
            }
            if let tail = result.logTail {
                responseHeaders[.amzLogResult] = Data(tail.utf8).base64EncodedString()
            }
            return Response(status: .ok, headers: responseHeaders, body: .init(byteBuffer: result.payload))
        }
    }

    /// The payload must be JSON, as Lambda requires; an empty body is the event `{}`.
    static func checkedPayload(_ body: ByteBuffer) throws(LambdaError) -> ByteBuffer {
        guard body.readableBytes > 0 else { return ByteBuffer(string: "{}") }
        let valid = body.withUnsafeReadableBytes { bytes in
            (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil
        }
        guard valid else {
            throw LambdaError(.invalidRequestContent, "Could not parse request body into json: Could not parse payload into json: Unexpected character: was expecting a valid JSON value")
        }
        return body
    }

    /// `X-Amz-Client-Context` is base64 of a JSON object; the runtime gets the JSON.
    static func decodeClientContext(_ header: String?) throws(LambdaError) -> String? {
        guard let header, !header.isEmpty else { return nil }
        guard let data = Data(base64Encoded: header),
              (try? JSONSerialization.jsonObject(with: data)) is [String: Any]
        else {
            throw LambdaError(.invalidRequestContent, "Client context must be a valid Base64-encoded JSON object.")
        }
        return String(decoding: data, as: UTF8.self)
    }

    // MARK: Helpers

    /// The configuration a name and qualifier refer to, and the qualifier its ARN shows
    /// (an alias name when read through an alias).
    private func resolve(_ rawName: String, qualifier: String?) throws(LambdaError) -> (FunctionConfiguration, arnQualifier: String?) {
        let identifier = try FunctionIdentifier.parse(rawName)
        try identifier.checkScope(account)
        let resolved = try identifier.resolvedQualifier(qualifier)
        switch registry.resolve(identifier.name, qualifier: resolved) {
        case .function(let configuration):
            return (configuration, resolved.flatMap { AliasRules.isAliasName($0) ? $0 : nil })
        case .noFunction where resolved == nil:
            throw .functionNotFound(account.functionArn(identifier.name))
        case .noFunction, .noVersion, .noAlias:
            throw .functionNotFound(account.functionArn(identifier.name, qualifier: resolved ?? FunctionConfiguration.latest))
        }
    }

    /// `DeadLetterConfig.TargetArn`: an SQS queue or SNS topic ARN; empty removes it.
    /// - Parameter removable: UpdateFunctionConfiguration removes the target with an empty
    ///   ARN; CreateFunction refuses it, as AWS does.
    static func deadLetterTarget(_ config: DeadLetterConfigWire?, removable: Bool = true) throws(LambdaError) -> String? {
        guard let config else { return nil }
        let arn = config.targetArn ?? ""
        if arn.isEmpty, removable { return arn }
        if !arn.hasPrefix("arn:") {
            throw LambdaError(.invalidParameterValue, "Invalid dead letter queue ARN: ARNs must start with 'arn:': \(arn)")
        }
        if !(arn.hasPrefix("arn:aws:sqs:") || arn.hasPrefix("arn:aws:sns:")) {
            throw LambdaError(.invalidParameterValue, "The provided target arn is invalid: \(arn). It must be an SQS queue or SNS topic ARN.")
        }
        return arn
    }

    private func unqualifiedName(_ rawName: String) throws(LambdaError) -> String {
        try RequestChecks.unqualifiedName(rawName, account: account)
    }

    private func checkRevision(_ expected: String?, _ configuration: FunctionConfiguration) throws(LambdaError) {
        if let expected, expected != configuration.revisionId {
            throw LambdaError.revisionMismatch
        }
    }

    /// Decodes, checks and stores a zip given as base64 `ZipFile`.
    private func storeCode(_ zipFile: String?, s3Bucket: String?, imageUri: String?) throws(LambdaError) -> StoredCode {
        if imageUri != nil {
            throw LambdaError(.invalidParameterValue, "Please don't provide ImageUri when updating a function with packageType Zip.")
        }
        if s3Bucket != nil, zipFile == nil {
            throw LambdaError(.invalidParameterValue, "Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: The specified bucket does not exist")
        }
        guard let zipFile else {
            throw LambdaError(.invalidParameterValue, "Please provide a source for function code.")
        }
        return try CodeUpload.store(zipFile: zipFile, in: codeStore, logger: logger)
    }

    private func output(_ configuration: FunctionConfiguration, moment: FunctionConfigurationOutput.Moment, arnQualifier: String? = nil) -> FunctionConfigurationOutput {
        FunctionConfigurationOutput(configuration, account: account, codeSHA256Base64: configuration.codeSHA256Base64, moment: moment, arnQualifier: arnQualifier)
    }

    /// ListFunctions markers are opaque to clients: base64 of the last name returned.
    static func encodeMarker(_ name: String) -> String { Data(name.utf8).base64EncodedString() }
    static func decodeMarker(_ marker: String) -> String? {
        Data(base64Encoded: marker).map { String(decoding: $0, as: UTF8.self) }
    }

    private func decode<T: Decodable>(_ body: ByteBuffer) throws(LambdaError) -> T {
        try WireCoding.decode(body)
    }

    private func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws(LambdaError) -> Response {
        try WireCoding.json(value, status: status)
    }
}
