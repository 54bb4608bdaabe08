import Foundation
import NimbusCore
import NimbusStore

/// One record of a shard, as the event source mapping poller and GetRecords see it.
public struct StreamRecord: Sendable, Equatable {
    public var sequenceNumber: String
    public var partitionKey: String
    public var data: [UInt8]
    public var approximateArrival: Date

    public init(sequenceNumber: String, partitionKey: String, data: [UInt8], approximateArrival: Date) {
        self.sequenceNumber = sequenceNumber
        self.partitionKey = partitionKey
        self.data = data
        self.approximateArrival = approximateArrival
    }
}

/// Where a reader starts in a shard.
public enum StreamStartingPoint: Sendable { case trimHorizon, latest, atTimestamp(Date) }

/// Kinesis data streams of the server's account: AWS's rules and errors over ``StreamStore``.
/// Records older than the stream's retention period are never returned (filtered on every read)
/// and are deleted from SQLite lazily, whenever records are next put to the stream.
public final class StreamService: Sendable {
    public let account: Account
    let store: StreamStore
    let now: @Sendable () -> Date

    public convenience init(account: Account, database: NimbusDatabase) {
        self.init(account: account, database: database, now: { Date() })
    }

    public init(account: Account, database: NimbusDatabase, now: @escaping @Sendable () -> Date) {
        self.account = account
        self.store = StreamStore(database: database)
        self.now = now
    }

    static let defaultRetentionHours = 24
    static let onDemandShardCount = 4
    /// AWS's default shard quota per account in its largest regions (200 elsewhere).
    static let shardLimit = 500

    var nowMillis: Int64 { Int64((now().timeIntervalSince1970 * 1000).rounded(.down)) }

    func attempt<T>(_ body: () throws -> T) throws(StreamError) -> T {
        do { return try body() } catch { throw .internalFailure }
    }

    // MARK: Names and ARNs

    /// `arn:aws:kinesis:REGION:ACCOUNT:stream/NAME`.
    public func streamArn(_ name: String) -> String {
        "arn:\(account.partition):kinesis:\(account.region):\(account.id):stream/\(name)"
    }

    /// The stream name in an ARN of this account and region, or nil.
    func streamName(inArn arn: String) -> String? {
        let prefix = streamArn("")
        guard arn.hasPrefix(prefix) else { return nil }
        let name = String(arn.dropFirst(prefix.count))
        return name.isEmpty ? nil : name
    }

    func stream(_ name: String) throws(StreamError) -> StreamRow {
        guard let row = try attempt({ try store.stream(name) }) else { throw .streamNotFound(name, account: account.id) }
        return row
    }

    func stream(arn: String) throws(StreamError) -> StreamRow {
        guard let name = streamName(inArn: arn) else { throw .streamNotFound(arn, account: account.id) }
        return try stream(name)
    }

    func shardIndex(_ shardId: String, in stream: StreamRow) throws(StreamError) -> Int {
        guard let index = HashKey.shardIndex(shardId), index < stream.shardCount else {
            throw .shardNotFound(shardId, stream: stream.name, account: account.id)
        }
        return index
    }

    /// The first arrival time still kept.
    func retainedSince(_ stream: StreamRow) -> Int64 {
        nowMillis - Int64(stream.retentionHours) * 3_600_000
    }

    // MARK: Streams

    /// CreateStream: PROVISIONED needs a shard count; ON_DEMAND streams get 4 shards.
    func createStream(name: String, shardCount: Int?, mode: String) throws(StreamError) {
        let count: Int
        if mode == "ON_DEMAND" {
            count = shardCount ?? Self.onDemandShardCount
        } else {
            guard let shardCount else {
                // Unverified against AWS: kinesalite and moto do not cover a missing ShardCount.
                throw .invalidArgument("ShardCount must be specified for a stream in PROVISIONED mode.")
            }
            count = shardCount
        }
        if count < 1 { throw .constraint(String(count), at: "shardCount", "Member must have value greater than or equal to 1") }
        let row = StreamRow(name: name, shardCount: count, retentionHours: Self.defaultRetentionHours, mode: mode, createdAt: nowMillis)
        switch try attempt({ try store.create(row, shardLimit: Self.shardLimit) }) {
        case .created:
            return
        case .exists:
            throw .streamExists(name, account: account.id)
        case .overLimit(let current):
            throw StreamError(
                type: "LimitExceededException",
                message: "This request would exceed the shard limit for the account \(account.id) in \(account.region). Current shard count for the account: \(current). Limit: \(Self.shardLimit). Number of additional shards that would have resulted from this request: \(count). Refer to the AWS Service Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current limits and how to request higher limits.")
        }
    }

    func deleteStream(_ name: String) throws(StreamError) {
        _ = try stream(name)
        try attempt { try store.delete(name) }
    }

    func streams() throws(StreamError) -> [StreamRow] {
        try attempt { try store.streams() }
    }

    /// Increase/DecreaseStreamRetentionPeriod: 24 to 8760 hours, only in the operation's direction.
    func setRetention(_ name: String, hours: Int, increase: Bool) throws(StreamError) {
        let row = try stream(name)
        if hours < 24 {
            throw .invalidArgument("Minimum allowed retention period is 24 hours. Requested retention period (\(hours) hours) is too short.")
        }
        if hours > 8760 {
            throw .invalidArgument("Maximum allowed retention period is 8760 hours. Requested retention period (\(hours) hours) is too long.")
        }
        if increase, hours < row.retentionHours {
            throw .invalidArgument(
                "Requested retention period (\(hours) hours) for stream \(name) can not be shorter than existing retention period (\(row.retentionHours) hours). Use DecreaseRetentionPeriod API.")
        }
        if !increase, hours > row.retentionHours {
            throw .invalidArgument(
                "Requested retention period (\(hours) hours) for stream \(name) can not be longer than existing retention period (\(row.retentionHours) hours). Use IncreaseRetentionPeriod API.")
        }
        try attempt { try store.setRetention(name, hours: hours) }
    }

    // MARK: Records

    public struct PutEntry: Sendable {
        public var partitionKey: String
        public var data: [UInt8]
        /// Overrides the partition key's hash (already checked to be a decimal in 0...2^128-1).
        public var explicitHashKey: UInt128?

        public init(partitionKey: String, data: [UInt8], explicitHashKey: UInt128? = nil) {
            self.partitionKey = partitionKey
            self.data = data
            self.explicitHashKey = explicitHashKey
        }
    }

    /// PutRecord(s): each entry goes to the shard whose hash key range holds its hash key.
    /// Returns (shard id, sequence number) per entry, in order.
    public func put(_ name: String, _ entries: [PutEntry]) throws(StreamError) -> [(shardId: String, sequenceNumber: String)] {
        let row = try stream(name)
        let placed = entries.map { entry in
            (shard: HashKey.shard(of: entry.explicitHashKey ?? HashKey.hash(partitionKey: entry.partitionKey), count: row.shardCount),
             partitionKey: entry.partitionKey, data: entry.data)
        }
        let counters = try attempt {
            try store.append(name, placed, arrival: nowMillis, expiredBefore: retainedSince(row))
        }
        return zip(placed, counters).map { (HashKey.shardId($0.shard), SequenceNumber(shard: $0.shard, counter: $1).text) }
    }

    /// Kept records of a shard after `counter`, in order, and, when more follow, the arrival of
    /// the last record returned (how far behind the tip the reader is).
    func read(_ row: StreamRow, shard: Int, after counter: Int64, limit: Int) throws(StreamError) -> (records: [StreamRecord], lastArrival: Int64?) {
        let stored = try attempt {
            try store.records(row.name, shard: shard, after: counter, since: retainedSince(row), limit: limit + 1)
        }
        let page = stored.prefix(limit)
        let records = page.map {
            StreamRecord(
                sequenceNumber: SequenceNumber(shard: shard, counter: $0.counter).text, partitionKey: $0.partitionKey, data: $0.data,
                approximateArrival: Date(timeIntervalSince1970: Double($0.arrival) / 1000))
        }
        return (records, stored.count > limit ? page.last?.arrival : nil)
    }

    /// The counter a starting point reads after (0: from the oldest kept record).
    func position(_ row: StreamRow, shard: Int, start: StreamStartingPoint) throws(StreamError) -> Int64 {
        switch start {
        case .trimHorizon:
            return 0
        case .latest:
            return try attempt { try store.lastCounter(row.name, shard: shard) } ?? 0
        case .atTimestamp(let date):
            let millis = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
            return try attempt { try store.lastCounter(row.name, shard: shard, before: millis) } ?? 0
        }
    }

    // MARK: The event source mapping poller's API

    public func streamExists(arn: String) -> Bool {
        guard let name = streamName(inArn: arn) else { return false }
        return ((try? store.stream(name)) ?? nil) != nil
    }

    /// Shard ids of the stream, in order.
    public func shardIds(streamArn: String) throws(StreamError) -> [String] {
        let row = try stream(arn: streamArn)
        return (0..<row.shardCount).map(HashKey.shardId)
    }

    /// The sequence number just before the first record `start` designates, as a checkpoint:
    /// nil for trimHorizon (and for atTimestamp/latest when that means "from the oldest record").
    public func checkpoint(streamArn: String, shardId: String, start: StreamStartingPoint) throws(StreamError) -> String? {
        let row = try stream(arn: streamArn)
        let shard = try shardIndex(shardId, in: row)
        let counter = try position(row, shard: shard, start: start)
        return counter == 0 ? nil : SequenceNumber(shard: shard, counter: counter).text
    }

    /// Up to `limit` records of the shard after `checkpoint` (nil: from the oldest kept record), in order.
    public func records(streamArn: String, shardId: String, after checkpoint: String?, limit: Int) throws(StreamError) -> [StreamRecord] {
        let row = try stream(arn: streamArn)
        let shard = try shardIndex(shardId, in: row)
        var counter: Int64 = 0
        if let checkpoint {
            guard let sequence = SequenceNumber(checkpoint) else {
                throw .invalidArgument("Invalid checkpoint \(checkpoint).")
            }
            counter = sequence.counter
        }
        return try read(row, shard: shard, after: counter, limit: max(1, limit)).records
    }
}
