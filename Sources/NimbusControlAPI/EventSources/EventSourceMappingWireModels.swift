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
    var destinationConfig: DestinationConfigWire?
    /// Event filtering is not implemented: its presence is refused rather than ignored.
    var filterCriteria: DestinationConfigWire?

    /// A field whose presence alone matters here.
    struct DestinationConfigWire: Decodable {}
}

struct ScalingConfigWire: Codable {
    var maximumConcurrency: Int?
}

/// EventSourceMappingConfiguration, as AWS returns it for an SQS mapping.
struct EventSourceMappingOutput: Encodable {
    /// Encoded as `UUID` (the key strategy upper-cases the first letter).
    var uUID: String
    var batchSize: Int
    var eventSourceArn: String
    var eventSourceMappingArn: String
    var functionArn: String
    var functionResponseTypes: [String]
    /// Epoch seconds, as botocore's `timestamp` in JSON.
    var lastModified: Double
    var maximumBatchingWindowInSeconds: Int
    var scalingConfig: ScalingConfigWire?
    var state: String
    var stateTransitionReason: String

    init(_ record: EventSourceMappingRecord, account: Account, state: String) {
        uUID = record.uuid
        batchSize = record.batchSize
        eventSourceArn = record.eventSourceArn
        eventSourceMappingArn = "arn:\(account.partition):lambda:\(account.region):\(account.id):event-source-mapping:\(record.uuid)"
        functionArn = record.qualifier.map { account.functionArn(record.functionName, qualifier: $0) } ?? account.functionArn(record.functionName)
        functionResponseTypes = record.functionResponseTypes
        lastModified = record.lastModified.timeIntervalSince1970
        maximumBatchingWindowInSeconds = record.maximumBatchingWindowInSeconds
        scalingConfig = record.maximumConcurrency.map { ScalingConfigWire(maximumConcurrency: $0) }
        self.state = state
        stateTransitionReason = "USER_INITIATED"
    }
}

struct ListEventSourceMappingsOutput: Encodable {
    var eventSourceMappings: [EventSourceMappingOutput]
    var nextMarker: String?
}
