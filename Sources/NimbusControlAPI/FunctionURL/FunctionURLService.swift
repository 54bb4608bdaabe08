import Foundation
import Hummingbird
import Logging
import NIOCore
import NimbusAuth
import NimbusCore
import NimbusInvoke
import NimbusStore

/// Function URLs: the configuration API (`/2021-10-31/functions/{name}/url[s]`), the URLs
/// themselves (FunctionURLService+Serve.swift) and InvokeWithResponseStream
/// (FunctionURLService+Stream.swift).
public struct FunctionURLService: Sendable {
    let account: Account
    let store: FunctionURLStore
    let registry: FunctionRegistry
    let invoker: Invoker
    let verifier: SigV4Verifier
    /// Whether function `name` has alias `alias`. Injected so that this service does not
    /// depend on how aliases are kept.
    let aliasExists: @Sendable (_ name: String, _ alias: String) -> Bool
    let logger: Logger
    let clock: @Sendable () -> Date

    public init(
        account: Account, store: FunctionURLStore, registry: FunctionRegistry, invoker: Invoker, verifier: SigV4Verifier,
        aliasExists: @escaping @Sendable (String, String) -> Bool = { _, _ in false },
        logger: Logger, clock: @escaping @Sendable () -> Date = Date.init
    ) {
        self.account = account
        self.store = store
        self.registry = registry
        self.invoker = invoker
        self.verifier = verifier
        self.aliasExists = aliasExists
        self.logger = logger
        self.clock = clock
    }

    static let qualifierPattern = "((?!^\\d+$)^[0-9a-zA-Z-_]+$)"
    static let noResource = LambdaError(.resourceNotFound, "The resource you requested does not exist.")
    static let noFunction = LambdaError(.resourceNotFound, "Function does not exist")

    // MARK: Operations

    func create(_ rawName: String, qualifier: String?, body: ByteBuffer, host: String?) throws(LambdaError) -> Response {
        let input: FunctionURLConfigInput = try WireCoding.decode(body)
        try Self.validate(input, authTypeRequired: true)
        let (name, alias) = try target(rawName, qualifier: qualifier, missing: Self.noFunction)
        let now = clock()
        let record = FunctionURLRecord(
            functionName: name, qualifier: alias, urlId: FunctionURLAddress.newURLId(), authType: input.authType ?? "NONE",
            cors: try input.cors.map(Self.encodeCors), invokeMode: input.invokeMode, creationTime: now, lastModifiedTime: now
        )
        do {
            try store.create(record)
        } catch {
            if error.code == .conflict {
                throw LambdaError(.resourceConflict, "Failed to create function url config for [functionArn = \(arn(record))]. Error message:  FunctionUrlConfig exists for this Lambda function")
            }
            throw storeFailure(error)
        }
        var output = self.output(record, host: host, reading: false)
        output.lastModifiedTime = nil
        return try WireCoding.json(output, status: .created)
    }

    func get(_ rawName: String, qualifier: String?, host: String?) throws(LambdaError) -> Response {
        let record = try existing(rawName, qualifier: qualifier, missing: Self.noResource)
        return try WireCoding.json(output(record, host: host, reading: true))
    }

    func update(_ rawName: String, qualifier: String?, body: ByteBuffer, host: String?) throws(LambdaError) -> Response {
        let input: FunctionURLConfigInput = try WireCoding.decode(body)
        try Self.validate(input, authTypeRequired: false)
        let (name, alias) = try target(rawName, qualifier: qualifier, missing: Self.noFunction)
        guard var record = try read({ () throws(StoreError) in try store.get(name, qualifier: alias) }) else { throw Self.noResource }
        if let authType = input.authType { record.authType = authType }
        if let cors = input.cors { record.cors = try Self.encodeCors(cors) }
        if let invokeMode = input.invokeMode { record.invokeMode = invokeMode }
        record.lastModifiedTime = clock()
        do { try store.update(record) } catch { throw error.code == .notFound ? Self.noResource : storeFailure(error) }
        return try WireCoding.json(output(record, host: host, reading: false))
    }

    func delete(_ rawName: String, qualifier: String?) throws(LambdaError) -> Response {
        let record = try existing(rawName, qualifier: qualifier, missing: Self.noResource)
        do { try store.delete(record.functionName, qualifier: record.qualifier) } catch {
            throw error.code == .notFound ? Self.noResource : storeFailure(error)
        }
        return Response(status: .noContent)
    }

    func list(_ rawName: String, query: [String: String], host: String?) throws(LambdaError) -> Response {
        let limit = try RequestChecks.maxItems(query["MaxItems"], max: 50) ?? 50
        let (name, _) = try target(rawName, qualifier: nil, missing: Self.noFunction)
        let all = try read { () throws(StoreError) in try store.list(name) }
        let start = query["Marker"].flatMap { Data(base64Encoded: $0) }.flatMap { Int(String(decoding: $0, as: UTF8.self)) } ?? 0
        let page = all.dropFirst(start).prefix(limit)
        let next = start + page.count < all.count ? Data(String(start + page.count).utf8).base64EncodedString() : nil
        return try WireCoding.json(ListFunctionURLConfigsOutput(functionUrlConfigs: page.map { output($0, host: host, reading: true) }, nextMarker: next))
    }

    // MARK: Helpers

    /// The function name and alias a request names, checked in AWS's order: the name's
    /// form, the `Qualifier` pattern (versions and `$LATEST` are refused), a qualifier in
    /// the ARN that differs, the region, then whether the function and alias exist.
    func target(_ rawName: String, qualifier: String?, missing: LambdaError) throws(LambdaError) -> (name: String, alias: String?) {
        let identifier = try FunctionIdentifier.parse(rawName)
        try Self.checkQualifier(qualifier)
        let resolved = try identifier.resolvedQualifier(qualifier)
        try Self.checkQualifier(resolved)
        try identifier.checkScope(account)
        guard registry.get(identifier.name) != nil else { throw missing }
        if let resolved, !aliasExists(identifier.name, resolved) { throw missing }
        return (identifier.name, resolved)
    }

    private func existing(_ rawName: String, qualifier: String?, missing: LambdaError) throws(LambdaError) -> FunctionURLRecord {
        let (name, alias) = try target(rawName, qualifier: qualifier, missing: missing)
        guard let record = try read({ () throws(StoreError) in try store.get(name, qualifier: alias) }) else { throw missing }
        return record
    }

    static func checkQualifier(_ qualifier: String?) throws(LambdaError) {
        guard let qualifier else { return }
        var errors = ValidationErrors()
        if qualifier.utf8.count > 128 {
            errors.add(value: qualifier, at: "qualifier", constraint: "Member must have length less than or equal to 128")
        }
        let isDigit = { (byte: UInt8) in byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        let allowed = { (byte: UInt8) in
            isDigit(byte) || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z")) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        }
        let valid = !qualifier.isEmpty && qualifier.utf8.allSatisfy(allowed) && !qualifier.utf8.allSatisfy(isDigit)
        if !valid {
            errors.add(value: qualifier, at: "qualifier", constraint: "Member must satisfy regular expression pattern: \(qualifierPattern)")
        }
        try errors.throwIfAny()
    }

    static func validate(_ input: FunctionURLConfigInput, authTypeRequired: Bool) throws(LambdaError) {
        var errors = ValidationErrors()
        if let authType = input.authType {
            if !["NONE", "AWS_IAM"].contains(authType) {
                errors.add(value: authType, at: "authType", constraint: "Member must satisfy enum value set: [NONE, AWS_IAM]")
            }
        } else if authTypeRequired {
            errors.add(value: nil, at: "authType", constraint: "Member must not be null")
        }
        input.cors?.validate(into: &errors)
        if let invokeMode = input.invokeMode, !["BUFFERED", "RESPONSE_STREAM"].contains(invokeMode) {
            errors.add(value: invokeMode, at: "invokeMode", constraint: "Member must satisfy enum value set: [RESPONSE_STREAM, BUFFERED]")
        }
        try errors.throwIfAny()
    }

    static func encodeCors(_ cors: FunctionURLCors) throws(LambdaError) -> String {
        do { return String(decoding: try LambdaJSON.encoder.encode(cors), as: UTF8.self) } catch { throw LambdaError.internalFailure }
    }

    static func decodeCors(_ text: String?) -> FunctionURLCors? {
        text.flatMap { try? LambdaJSON.decoder.decode(FunctionURLCors.self, from: Data($0.utf8)) }
    }

    func arn(_ record: FunctionURLRecord) -> String {
        record.qualifier.map { account.functionArn(record.functionName, qualifier: $0) } ?? account.functionArn(record.functionName)
    }

    /// - Parameter reading: Get and List report `InvokeMode: BUFFERED` when it was never set.
    func output(_ record: FunctionURLRecord, host: String?, reading: Bool) -> FunctionURLConfigOutput {
        FunctionURLConfigOutput(
            functionUrl: FunctionURLAddress.functionUrl(urlId: record.urlId, region: account.region, apiHost: host),
            functionArn: arn(record),
            authType: record.authType,
            cors: Self.decodeCors(record.cors),
            creationTime: AWSDate.microsecondsISO8601(record.creationTime),
            lastModifiedTime: AWSDate.microsecondsISO8601(record.lastModifiedTime),
            invokeMode: record.invokeMode ?? (reading ? "BUFFERED" : nil)
        )
    }

    func read<T>(_ body: () throws(StoreError) -> T) throws(LambdaError) -> T {
        do { return try body() } catch { throw storeFailure(error) }
    }

    func storeFailure(_ error: StoreError) -> LambdaError {
        logger.error("function URL store: \(error)")
        return .internalFailure
    }
}
