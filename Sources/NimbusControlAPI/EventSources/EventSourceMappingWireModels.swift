import Foundation
import NimbusCore
import NimbusStore

/// CreateEventSourceMapping and UpdateEventSourceMapping bodies (the fields Nimbus
/// acts on; AWS's others are refused or ignored as documented in the service).
struct EventSourceMappingInput: Decodable {
    var eventSourceArn: String?
    var functionName: String?
    var enabled: Bool?
    var batchSize: Int?
    var maximumBatchingWindowInSeconds: Int?
    var functionResponseTypes: [String]?
    var scalingConfig: ScalingConfigWire?
    var startingPosition: String?
    /// Epoch seconds, as botocore sends a `timestamp` in JSON.
    var startingPositionTimestamp: Double?
    var destinationConfig: DestinationConfigWire?
    var filterCriteria: FilterCriteriaWire?
    var maximumRetryAttempts: Int?
    var maximumRecordAgeInSeconds: Int?
    var bisectBatchOnFunctionError: Bool?
    var parallelizationFactor: Int?
    var tumblingWindowInSeconds: Int?
}

struct ScalingConfigWire: Codable {
    var maximumConcurrency: Int?
}

struct FilterCriteriaWire: Codable {
    struct Filter: Codable {
        var pattern: String?
    }
    var filters: [Filter]?
}

/// EventSourceMappingConfiguration, as AWS returns it for a queue or a stream mapping.
struct EventSourceMappingOutput: Encodable {
    /// Encoded as `UUID` (the key strategy upper-cases the first letter).
    var uUID: String
    var batchSize: Int
    var eventSourceArn: String
    var eventSourceMappingArn: String
    var filterCriteria: FilterCriteriaWire?
    var functionArn: String
    var functionResponseTypes: [String]
    /// Epoch seconds, as botocore's `timestamp` in JSON.
    var lastModified: Double
    var maximumBatchingWindowInSeconds: Int
    var scalingConfig: ScalingConfigWire?
    var state: String
    var stateTransitionReason: String
    // Stream mappings only.
    var bisectBatchOnFunctionError: Bool?
    var destinationConfig: DestinationConfigWire?
    var lastProcessingResult: String?
    var maximumRecordAgeInSeconds: Int?
    var maximumRetryAttempts: Int?
    var parallelizationFactor: Int?
    var startingPosition: String?
    var startingPositionTimestamp: Double?
    var tumblingWindowInSeconds: Int?

    init(_ record: EventSourceMappingRecord, account: Account, state: String) {
        uUID = record.uuid
        batchSize = record.batchSize
        eventSourceArn = record.eventSourceArn
        eventSourceMappingArn = "arn:\(account.partition):lambda:\(account.region):\(account.id):event-source-mapping:\(record.uuid)"
        if !record.filterPatterns.isEmpty {
            filterCriteria = FilterCriteriaWire(filters: record.filterPatterns.map { FilterCriteriaWire.Filter(pattern: $0) })
        }
        functionArn = record.qualifier.map { account.functionArn(record.functionName, qualifier: $0) } ?? account.functionArn(record.functionName)
        functionResponseTypes = record.functionResponseTypes
        lastModified = record.lastModified.timeIntervalSince1970
        maximumBatchingWindowInSeconds = record.maximumBatchingWindowInSeconds
        scalingConfig = record.maximumConcurrency.map { ScalingConfigWire(maximumConcurrency: $0) }
        self.state = state
        stateTransitionReason = "USER_INITIATED"
        if let stream = record.stream {
            // As recorded against AWS for Kinesis mappings.
            stateTransitionReason = "User action"
            lastProcessingResult = "No records processed"
            bisectBatchOnFunctionError = stream.bisectBatchOnFunctionError
            destinationConfig = DestinationConfigWire(onFailure: .init(destination: stream.onFailureDestination))
            maximumRecordAgeInSeconds = stream.maximumRecordAgeInSeconds
            maximumRetryAttempts = stream.maximumRetryAttempts
            parallelizationFactor = stream.parallelizationFactor
            startingPosition = stream.startingPosition
            startingPositionTimestamp = stream.startingPositionTimestamp?.timeIntervalSince1970
            tumblingWindowInSeconds = stream.tumblingWindowInSeconds
        }
    }
}

struct ListEventSourceMappingsOutput: Encodable {
    var eventSourceMappings: [EventSourceMappingOutput]
    var nextMarker: String?
}
