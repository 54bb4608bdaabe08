import Foundation
import Hummingbird
import NIOCore
import NimbusCore
import NimbusInvoke
import NimbusQueues
import NimbusStore
import NimbusStreams

/// Create/Get/Update/Delete/ListEventSourceMappings, for Nimbus's SQS queues and
/// Kinesis streams.
///
/// Checks run in AWS's order: the event source ARN, request constraints
/// (ValidationException), the function, the source, then batching rules and duplicates.
public struct EventSourceMappingService: Sendable {
    let account: Account
    let registry: FunctionRegistry
    let queues: QueueService
    let streams: StreamService
    let store: EventSourceMappingStore
    /// Called after every change, so that pollers start, change or stop at once.
    let changed: @Sendable () -> Void

    public init(
        account: Account, registry: FunctionRegistry, queues: QueueService, streams: StreamService, store: EventSourceMappingStore,
        changed: @escaping @Sendable () -> Void
    ) {
        self.account = account
        self.registry = registry
        self.queues = queues
        self.streams = streams
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
        let kind = try Self.checkSource(arn)
        try Self.validate(input)
        guard let rawName = input.functionName else {
            var errors = ValidationErrors()
            errors.add(value: nil, at: "functionName", constraint: "Member must not be null")
            try errors.throwIfAny()
            throw Self.functionDoesNotExist
        }
        let (name, qualifier) = try function(rawName)
        let filters = try Self.filterPatterns(input.filterCriteria, source: kind == .stream ? .kinesis : .sqs) ?? []
        switch kind {
        case .queue:
            return try createQueueMapping(input, arn: arn, rawName: rawName, name: name, qualifier: qualifier, filters: filters)
        case .stream:
            return try createStreamMapping(input, arn: arn, rawName: rawName, name: name, qualifier: qualifier, filters: filters)
        }
    }

    private func createQueueMapping(
        _ input: EventSourceMappingInput, arn: String, rawName: String, name: String, qualifier: String?, filters: [String]
    ) throws(LambdaError) -> Response {
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
            maximumConcurrency: input.scalingConfig?.maximumConcurrency, lastModified: Date(), filterPatterns: filters
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

    /// A Kinesis mapping: its starting point is fixed per shard now, so that records put
    /// after this call returns are delivered even with `LATEST`.
    private func createStreamMapping(
        _ input: EventSourceMappingInput, arn: String, rawName: String, name: String, qualifier: String?, filters: [String]
    ) throws(LambdaError) -> Response {
        guard let position = input.startingPosition else {
            throw LambdaError(
                .invalidParameterValue,
                "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null.")
        }
        if input.scalingConfig != nil {
            throw LambdaError(.invalidParameterValue, "Unsupported ScalingConfig parameter for given event source mapping type.")
        }
        var timestamp: Date?
        if position == "AT_TIMESTAMP" {
            guard let seconds = input.startingPositionTimestamp else {
                throw LambdaError(.invalidParameterValue, "StartingPositionTimestamp must be provided when StartingPosition is AT_TIMESTAMP.")
            }
            timestamp = Date(timeIntervalSince1970: seconds)
        }
        let settings = StreamMappingSettings(
            startingPosition: position, startingPositionTimestamp: timestamp,
            maximumRetryAttempts: input.maximumRetryAttempts ?? -1, maximumRecordAgeInSeconds: input.maximumRecordAgeInSeconds ?? -1,
            bisectBatchOnFunctionError: input.bisectBatchOnFunctionError ?? false,
            parallelizationFactor: input.parallelizationFactor ?? 1,
            onFailureDestination: try onFailureDestination(input.destinationConfig, function: name),
            tumblingWindowInSeconds: input.tumblingWindowInSeconds ?? 0
        )
        try Self.checkRecordAge(settings.maximumRecordAgeInSeconds)
        try Self.checkTumblingWindow(input.tumblingWindowInSeconds)
        guard streams.streamExists(arn: arn) else { throw LambdaError(.invalidParameterValue, "Stream not found: \(arn)") }
        let record = EventSourceMappingRecord(
            uuid: UUID().uuidString.lowercased(), eventSourceArn: arn, functionName: name, qualifier: qualifier,
            batchSize: input.batchSize ?? 100, maximumBatchingWindowInSeconds: input.maximumBatchingWindowInSeconds ?? 0,
            enabled: input.enabled ?? true, functionResponseTypes: input.functionResponseTypes ?? [],
            maximumConcurrency: nil, lastModified: Date(), filterPatterns: filters, stream: settings
        )
        if let existing = try all().first(where: { $0.eventSourceArn == arn && $0.functionName == name && $0.qualifier == qualifier }) {
            throw LambdaError(
                .resourceConflict,
                "The event source arn (\" \(arn) \") and function (\" \(rawName) \") provided mapping already exists. Please update or delete the existing mapping with UUID \(existing.uuid)"
            )
        }
        let start: StreamStartingPoint = switch position {
        case "LATEST": .latest
        case "AT_TIMESTAMP": .atTimestamp(timestamp ?? Date())
        default: .trimHorizon
        }
        var checkpoints: [String: String?] = [:]
        do {
            for shard in try streams.shardIds(streamArn: arn) {
                checkpoints[shard] = .some(try streams.checkpoint(streamArn: arn, shardId: shard, start: start))
            }
        } catch {
            throw LambdaError(.invalidParameterValue, "Stream not found: \(arn)")
        }
        do { try store.save(record, checkpoints: checkpoints) } catch { throw .internalFailure }
        changed()
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
        if var stream = record.stream {
            if input.scalingConfig != nil {
                throw LambdaError(.invalidParameterValue, "Unsupported ScalingConfig parameter for given event source mapping type.")
            }
            if let value = input.destinationConfig { stream.onFailureDestination = try onFailureDestination(value, function: record.functionName) }
            if let value = input.maximumRetryAttempts { stream.maximumRetryAttempts = value }
            if let value = input.maximumRecordAgeInSeconds { stream.maximumRecordAgeInSeconds = value }
            if let value = input.bisectBatchOnFunctionError { stream.bisectBatchOnFunctionError = value }
            if let value = input.parallelizationFactor { stream.parallelizationFactor = value }
            try Self.checkTumblingWindow(input.tumblingWindowInSeconds)
            try Self.checkRecordAge(stream.maximumRecordAgeInSeconds)
            record.stream = stream
        } else if input.destinationConfig != nil {
            throw LambdaError(.invalidParameterValue, "Unsupported DestinationConfig parameter for given event source mapping type.")
        }
        if let patterns = try Self.filterPatterns(input.filterCriteria, source: record.stream == nil ? .sqs : .kinesis) {
            record.filterPatterns = patterns
        }
        let wasEnabled = record.enabled
        if let value = input.batchSize { record.batchSize = value }
        if let value = input.maximumBatchingWindowInSeconds { record.maximumBatchingWindowInSeconds = value }
        if let value = input.functionResponseTypes { record.functionResponseTypes = value }
        if let value = input.scalingConfig { record.maximumConcurrency = value.maximumConcurrency }
        if let value = input.enabled { record.enabled = value }
        if record.stream == nil { try Self.checkBatching(record) }
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

    enum SourceKind { case queue, stream }

    /// Nimbus polls its own SQS queues and Kinesis streams; DynamoDB streams, Kafka and MQ are not supported.
    static func checkSource(_ arn: String) throws(LambdaError) -> SourceKind {
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn" else { throw LambdaError(.invalidParameterValue, "Unrecognized event source.") }
        switch parts[2] {
        case "sqs":
            return .queue
        case "kinesis":
            return .stream
        case "dynamodb", "kafka", "mq":
            throw LambdaError(
                .invalidParameterValue,
                "Unsupported event source: Nimbus polls only Amazon SQS queues and Kinesis streams, not \(parts[2]) (\(arn))."
            )
        default:
            throw LambdaError(.invalidParameterValue, "Unrecognized event source.")
        }
    }

    /// botocore's constraints on the fields, reported as AWS's ValidationException.
    static func validate(_ input: EventSourceMappingInput) throws(LambdaError) {
        var errors = ValidationErrors()
        if let value = input.startingPosition, !["LATEST", "AT_TIMESTAMP", "TRIM_HORIZON"].contains(value) {
            errors.add(value: value, at: "startingPosition", constraint: "Member must satisfy enum value set: [LATEST, AT_TIMESTAMP, TRIM_HORIZON]")
        }
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
        Self.checkRange(input.maximumRetryAttempts, -1...10_000, at: "maximumRetryAttempts", into: &errors)
        Self.checkRange(input.maximumRecordAgeInSeconds, -1...604_800, at: "maximumRecordAgeInSeconds", into: &errors)
        Self.checkRange(input.parallelizationFactor, 1...10, at: "parallelizationFactor", into: &errors)
        Self.checkRange(input.tumblingWindowInSeconds, 0...900, at: "tumblingWindowInSeconds", into: &errors)
        for (index, filter) in (input.filterCriteria?.filters ?? []).enumerated() where (filter.pattern?.count ?? 0) > 4096 {
            errors.add(value: filter.pattern, at: "filterCriteria.filters.\(index + 1).member.pattern", constraint: "Member must have length less than or equal to 4096")
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

    private static func checkRange(_ value: Int?, _ range: ClosedRange<Int>, at field: String, into errors: inout ValidationErrors) {
        guard let value else { return }
        if value < range.lowerBound {
            errors.add(value: String(value), at: field, constraint: "Member must have value greater than or equal to \(range.lowerBound)")
        } else if value > range.upperBound {
            errors.add(value: String(value), at: field, constraint: "Member must have value less than or equal to \(range.upperBound)")
        }
    }

    /// Tumbling windows (aggregation state passed between invocations) are not built:
    /// refused rather than ignored.
    static func checkTumblingWindow(_ seconds: Int?) throws(LambdaError) {
        if let seconds, seconds > 0 {
            throw LambdaError(.invalidParameterValue, "TumblingWindowInSeconds is not supported by Nimbus yet; leave it at 0.")
        }
    }

    /// Lambda discards records by age only from one minute up (-1 turns it off).
    static func checkRecordAge(_ seconds: Int) throws(LambdaError) {
        if seconds != -1 && seconds < 60 {
            // Unverified wording: AWS documents the 60-second minimum but no recording has the message.
            throw LambdaError(.invalidParameterValue, "MaximumRecordAgeInSeconds must be -1 (no limit) or between 60 and 604800.")
        }
    }

    /// The FilterCriteria's pattern texts, each checked; nil when the request has none.
    static func filterPatterns(_ criteria: FilterCriteriaWire?, source: FilterCriteria.Source) throws(LambdaError) -> [String]? {
        guard let criteria else { return nil }
        let patterns = (criteria.filters ?? []).compactMap(\.pattern)
        _ = try FilterCriteria(patterns: patterns, source: source)
        return patterns
    }

    /// A stream mapping's on-failure destination: one of Nimbus's SQS queues (SNS and S3
    /// destinations have no service in Nimbus). An empty config clears it.
    private func onFailureDestination(_ config: DestinationConfigWire?, function: String) throws(LambdaError) -> String? {
        if let success = config?.onSuccess?.destination, !success.isEmpty {
            throw LambdaError(.invalidParameterValue, "Unsupported DestinationConfig parameter for given event source mapping type.")
        }
        guard let destination = config?.onFailure?.destination, !destination.isEmpty else { return nil }
        let parts = destination.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[2] == "sqs" else {
            throw LambdaError(
                .invalidParameterValue,
                "The destination ARN \(destination) is invalid. Nimbus delivers stream failure records only to its own SQS queues.")
        }
        guard queues.queueExists(arn: destination) else {
            throw LambdaError(.invalidParameterValue, "The destination ARN \(destination) is invalid. The queue does not exist.")
        }
        return destination
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
