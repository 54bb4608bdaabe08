import Foundation
import Hummingbird
import NIOCore
import NimbusCore
import NimbusInvoke
import NimbusQueues
import NimbusStore

/// Create/Get/Update/Delete/ListEventSourceMappings, for Nimbus's SQS queues only.
///
/// Checks run in AWS's order: the event source ARN, request constraints
/// (ValidationException), the function, the queue, then SQS's batching rule and duplicates.
public struct EventSourceMappingService: Sendable {
    let account: Account
    let registry: FunctionRegistry
    let queues: QueueService
    let store: EventSourceMappingStore
    /// Called after every change, so that pollers start, change or stop at once.
    let changed: @Sendable () -> Void

    public init(
        account: Account, registry: FunctionRegistry, queues: QueueService, store: EventSourceMappingStore,
        changed: @escaping @Sendable () -> Void
    ) {
        self.account = account
        self.registry = registry
        self.queues = queues
        self.store = store
        self.changed = changed
    }

    static let notFound = LambdaError(.resourceNotFound, "The resource you requested does not exist.")
    static let functionDoesNotExist = LambdaError(.invalidParameterValue, "Function does not exist")

    func create(body: ByteBuffer) throws(LambdaError) -> Response {
        let input: EventSourceMappingInput = try WireCoding.decode(body)
        guard let arn = input.eventSourceArn, !arn.isEmpty else {
            throw LambdaError(.invalidParameterValue, "Unrecognized event source.")
        }
        try Self.checkSource(arn)
        try Self.validate(input)
        guard let rawName = input.functionName else {
            var errors = ValidationErrors()
            errors.add(value: nil, at: "functionName", constraint: "Member must not be null")
            try errors.throwIfAny()
            throw Self.functionDoesNotExist
        }
        let (name, qualifier) = try function(rawName)
        if input.destinationConfig != nil {
            throw LambdaError(.invalidParameterValue, "Unsupported DestinationConfig parameter for given event source mapping type.")
        }
        guard queues.queueExists(arn: arn) else {
            throw LambdaError(
                .invalidParameterValue,
                "Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist."
            )
        }
        let record = EventSourceMappingRecord(
            uuid: UUID().uuidString.lowercased(), eventSourceArn: arn, functionName: name, qualifier: qualifier,
            batchSize: input.batchSize ?? 10, maximumBatchingWindowInSeconds: input.maximumBatchingWindowInSeconds ?? 0,
            enabled: input.enabled ?? true, functionResponseTypes: input.functionResponseTypes ?? [],
            maximumConcurrency: input.scalingConfig?.maximumConcurrency, lastModified: Date()
        )
        try Self.checkBatching(record)
        if let existing = try all().first(where: { $0.eventSourceArn == arn && $0.functionName == name && $0.qualifier == qualifier }) {
            throw LambdaError(
                .resourceConflict,
                "An event source mapping with SQS arn (\" \(arn) \") and function (\" \(rawName) \") already exists. Please update or delete the existing mapping with UUID \(existing.uuid)"
            )
        }
        try save(record)
        return try WireCoding.json(
            EventSourceMappingOutput(record, account: account, state: record.enabled ? "Creating" : "Disabled"), status: .accepted)
    }

    func get(_ uuid: String) throws(LambdaError) -> Response {
        try WireCoding.json(output(try existing(uuid)))
    }

    func update(_ uuid: String, body: ByteBuffer) throws(LambdaError) -> Response {
        let input: EventSourceMappingInput = try WireCoding.decode(body)
        try Self.validate(input)
        var record = try existing(uuid)
        if let rawName = input.functionName {
            (record.functionName, record.qualifier) = try function(rawName)
        }
        if input.destinationConfig != nil {
            throw LambdaError(.invalidParameterValue, "Unsupported DestinationConfig parameter for given event source mapping type.")
        }
        let wasEnabled = record.enabled
        if let value = input.batchSize { record.batchSize = value }
        if let value = input.maximumBatchingWindowInSeconds { record.maximumBatchingWindowInSeconds = value }
        if let value = input.functionResponseTypes { record.functionResponseTypes = value }
        if let value = input.scalingConfig { record.maximumConcurrency = value.maximumConcurrency }
        if let value = input.enabled { record.enabled = value }
        try Self.checkBatching(record)
        record.lastModified = Date()
        try save(record)
        let state = switch (wasEnabled, record.enabled) {
        case (false, true): "Enabling"
        case (true, false): "Disabling"
        default: "Updating"
        }
        return try WireCoding.json(EventSourceMappingOutput(record, account: account, state: state), status: .accepted)
    }

    func delete(_ uuid: String) throws(LambdaError) -> Response {
        let record = try existing(uuid)
        do { _ = try store.delete(uuid) } catch { throw .internalFailure }
        changed()
        return try WireCoding.json(EventSourceMappingOutput(record, account: account, state: "Deleting"), status: .accepted)
    }

    func list(eventSourceArn: String?, functionName: String?, marker: String?, maxItems: String?) throws(LambdaError) -> Response {
        let limit = try RequestChecks.maxItems(maxItems, max: 10_000) ?? 100
        var filter: (name: String, qualifier: String?)?
        if let functionName {
            let identifier = try FunctionIdentifier.parse(functionName)
            try identifier.checkScope(account)
            filter = (identifier.name, try identifier.resolvedQualifier(nil))
        }
        let matching = try all().filter { record in
            if let eventSourceArn, record.eventSourceArn != eventSourceArn { return false }
            if let filter {
                if record.functionName != filter.name { return false }
                if let qualifier = filter.qualifier, record.qualifier != qualifier { return false }
            }
            return true
        }
        let start = marker.flatMap { Data(base64Encoded: $0) }.flatMap { Int(String(decoding: $0, as: UTF8.self)) } ?? 0
        let page = matching.dropFirst(start).prefix(limit)
        let end = start + page.count
        let next = end < matching.count ? Data(String(end).utf8).base64EncodedString() : nil
        return try WireCoding.json(ListEventSourceMappingsOutput(eventSourceMappings: page.map(output), nextMarker: next))
    }

    // MARK: Checks

    /// Only this account's SQS queues are polled; Kinesis, DynamoDB streams and Kafka are not yet.
    static func checkSource(_ arn: String) throws(LambdaError) {
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn" else { throw LambdaError(.invalidParameterValue, "Unrecognized event source.") }
        switch parts[2] {
        case "sqs":
            return
        case "kinesis", "dynamodb", "kafka", "mq":
            throw LambdaError(
                .invalidParameterValue,
                "Unsupported event source: Nimbus polls only Amazon SQS queues for now, not \(parts[2]) (\(arn))."
            )
        default:
            throw LambdaError(.invalidParameterValue, "Unrecognized event source.")
        }
    }

    /// botocore's constraints on the fields, reported as AWS's ValidationException.
    static func validate(_ input: EventSourceMappingInput) throws(LambdaError) {
        if input.filterCriteria != nil {
            throw LambdaError(.invalidParameterValue, "FilterCriteria is not supported by Nimbus yet.")
        }
        var errors = ValidationErrors()
        if let value = input.batchSize {
            if value < 1 {
                errors.add(value: String(value), at: "batchSize", constraint: "Member must have value greater than or equal to 1")
            } else if value > 10_000 {
                errors.add(value: String(value), at: "batchSize", constraint: "Member must have value less than or equal to 10000")
            }
        }
        if let value = input.maximumBatchingWindowInSeconds {
            if value < 0 {
                errors.add(value: String(value), at: "maximumBatchingWindowInSeconds", constraint: "Member must have value greater than or equal to 0")
            } else if value > 300 {
                errors.add(value: String(value), at: "maximumBatchingWindowInSeconds", constraint: "Member must have value less than or equal to 300")
            }
        }
        if let types = input.functionResponseTypes {
            if types.count > 1 {
                errors.add(unquotedValue: "[\(types.joined(separator: ", "))]", at: "functionResponseTypes", constraint: "Member must have length less than or equal to 1")
            } else if types.contains(where: { $0 != "ReportBatchItemFailures" }) {
                errors.add(
                    unquotedValue: "[\(types.joined(separator: ", "))]", at: "functionResponseTypes",
                    constraint: "Member must satisfy constraint: [Member must satisfy enum value set: [ReportBatchItemFailures]]")
            }
        }
        if let value = input.scalingConfig?.maximumConcurrency {
            if value < 2 {
                errors.add(value: String(value), at: "scalingConfig.maximumConcurrency", constraint: "Member must have value greater than or equal to 2")
            } else if value > 1000 {
                errors.add(value: String(value), at: "scalingConfig.maximumConcurrency", constraint: "Member must have value less than or equal to 1000")
            }
        }
        try errors.throwIfAny()
    }

    /// SQS's own rule: a batch larger than one receive needs a window to be gathered in.
    static func checkBatching(_ record: EventSourceMappingRecord) throws(LambdaError) {
        if record.batchSize > 10 && record.maximumBatchingWindowInSeconds == 0 {
            throw LambdaError(
                .invalidParameterValue, "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10")
        }
    }

    /// The function (and qualifier) a mapping invokes; it must exist now.
    private func function(_ rawName: String) throws(LambdaError) -> (String, String?) {
        let identifier = try FunctionIdentifier.parse(rawName)
        try identifier.checkScope(account)
        let qualifier = try identifier.resolvedQualifier(nil)
        guard case .function = registry.resolve(identifier.name, qualifier: qualifier) else { throw Self.functionDoesNotExist }
        return (identifier.name, qualifier)
    }

    private func existing(_ uuid: String) throws(LambdaError) -> EventSourceMappingRecord {
        let record: EventSourceMappingRecord?
        do { record = try store.get(uuid) } catch { throw .internalFailure }
        guard let record else { throw Self.notFound }
        return record
    }

    private func all() throws(LambdaError) -> [EventSourceMappingRecord] {
        do { return try store.all() } catch { throw .internalFailure }
    }

    private func save(_ record: EventSourceMappingRecord) throws(LambdaError) {
        do { try store.save(record) } catch { throw .internalFailure }
        changed()
    }

    private func output(_ record: EventSourceMappingRecord) -> EventSourceMappingOutput {
        EventSourceMappingOutput(record, account: account, state: record.enabled ? "Enabled" : "Disabled")
    }
}

extension EventSourceMappingService {
    /// Dispatches `/2015-03-31/event-source-mappings/[{UUID}]` by method.
    func respond(method: String, uuid: String?, query: [String: String], body: ByteBuffer, unknown: LambdaError) throws(LambdaError) -> Response {
        switch (method, uuid) {
        case ("POST", nil): return try create(body: body)
        case ("GET", nil):
            return try list(
                eventSourceArn: query["EventSourceArn"], functionName: query["FunctionName"], marker: query["Marker"], maxItems: query["MaxItems"])
        case ("GET", let uuid?): return try get(uuid)
        case ("PUT", let uuid?): return try update(uuid, body: body)
        case ("DELETE", let uuid?): return try delete(uuid)
        default: throw unknown
        }
    }
}
