import Foundation

/// GetShardIterator and GetRecords: iterator tokens over the service's shard reads.
/// Messages follow kinesalite, whose tests were run against AWS.
extension StreamService {
    public enum IteratorType: String, Sendable, CaseIterable {
        case atSequenceNumber = "AT_SEQUENCE_NUMBER", afterSequenceNumber = "AFTER_SEQUENCE_NUMBER"
        case trimHorizon = "TRIM_HORIZON", latest = "LATEST", atTimestamp = "AT_TIMESTAMP"
    }

    /// Accepts `shardId-000000000001` and, as AWS, anything whose part after `-` (or the whole) is the index.
    func parseShardIndex(_ shardId: String, stream name: String) throws(StreamError) -> Int {
        let digits = shardId.split(separator: "-", omittingEmptySubsequences: false).dropFirst().first.map(String.init) ?? shardId
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let index = Int(digits.prefix(18)), index <= Int(Int32.max) else {
            throw StreamError(
                type: "ResourceNotFoundException", message: "Could not find shard \(shardId) in stream \(name) under account \(account.id).")
        }
        return index
    }

    public func shardIterator(
        stream name: String, shardId: String, type: IteratorType, startingSequenceNumber: String?, timestamp: Date?
    ) throws(StreamError) -> String {
        let index = try parseShardIndex(shardId, stream: name)
        let canonical = HashKey.shardId(index)
        guard let row = try attempt({ try store.stream(name) }), index < row.shardCount else {
            throw .shardNotFound(canonical, stream: name, account: account.id)
        }
        let after: Int64
        switch type {
        case .atSequenceNumber, .afterSequenceNumber:
            guard let text = startingSequenceNumber else {
                throw .invalidArgument(
                    "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified \(type.rawValue) and no StartingSequenceNumber.")
            }
            guard let sequence = SequenceNumber(text) else {
                throw .invalidArgument(
                    "StartingSequenceNumber \(text) used in GetShardIterator on shard \(canonical) in stream \(name) under account \(account.id) is invalid.")
            }
            guard sequence.shard == index else {
                throw .invalidArgument(
                    "Invalid StartingSequenceNumber. It encodes \(HashKey.shardId(sequence.shard)), while it was used in a call to a shard with \(canonical)")
            }
            after = type == .atSequenceNumber ? max(0, sequence.counter - 1) : sequence.counter
        case .trimHorizon, .latest:
            if startingSequenceNumber != nil {
                throw .invalidArgument(
                    "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified \(type.rawValue) and also a StartingSequenceNumber.")
            }
            after = try position(row, shard: index, start: type == .latest ? .latest : .trimHorizon)
        case .atTimestamp:
            guard let timestamp else {
                // Unverified: AWS's wording as reported by users; kinesalite predates AT_TIMESTAMP.
                throw .invalidArgument(
                    "Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.")
            }
            after = try position(row, shard: index, start: .atTimestamp(timestamp))
        }
        return ShardIterator(streamName: name, streamCreatedAt: row.createdAt, shard: index, after: after, issuedAt: nowMillis).token
    }

    public struct RecordsPage: Sendable {
        public var records: [StreamRecord]
        public var nextShardIterator: String
        public var millisBehindLatest: Int64
    }

    public func records(shardIterator token: String, limit: Int) throws(StreamError) -> RecordsPage {
        let now = nowMillis
        guard let iterator = ShardIterator(token: token), iterator.issuedAt <= now else {
            throw .invalidArgument("Invalid ShardIterator.")
        }
        if now - iterator.issuedAt > ShardIterator.lifetimeMillis {
            throw StreamError(
                type: "ExpiredIteratorException",
                message: "Iterator expired. The iterator was created at time \(ShardIterator.amzUTCString(iterator.issuedAt)) while right now it is \(ShardIterator.amzUTCString(now)) which is further in the future than the tolerated delay of \(ShardIterator.lifetimeMillis) milliseconds.")
        }
        guard let row = try attempt({ try store.stream(iterator.streamName) }), row.createdAt == iterator.streamCreatedAt,
            iterator.shard < row.shardCount
        else {
            throw .shardNotFound(HashKey.shardId(iterator.shard), stream: iterator.streamName, account: account.id)
        }
        let page = try read(row, shard: iterator.shard, after: iterator.after, limit: limit)
        var next = iterator
        next.issuedAt = now
        if let last = page.records.last, let sequence = SequenceNumber(last.sequenceNumber) { next.after = sequence.counter }
        return RecordsPage(
            records: page.records, nextShardIterator: next.token, millisBehindLatest: page.lastArrival.map { max(0, now - $0) } ?? 0)
    }
}
