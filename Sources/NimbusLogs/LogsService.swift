import Foundation
import NimbusCore
import NimbusStore

/// CloudWatch Logs' read operations and retention over the function logs Nimbus stores
/// (groups `/aws/lambda/NAME`, streams `YYYY/MM/DD/[VERSION]id`), in AWS's JSON shapes.
public final class LogsService: Sendable {
    public let account: Account
    let reader: LogReader

    /// The retention values AWS accepts (botocore's `Days` documentation).
    static let retentionDays = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]
    /// GetLogEvents and FilterLogEvents answer at most 1 MB (message bytes plus 26 per event, as AWS counts a batch).
    static let maxResponseBytes = 1_048_576
    /// FilterLogEvents examines at most this many events per call, then returns a nextToken (AWS
    /// also returns pages that are empty but for a token).
    static let maxScannedPerCall = 50_000

    public init(account: Account, database: NimbusDatabase) {
        self.account = account
        self.reader = LogReader(database: database)
    }

    func attempt<T>(_ body: () throws -> T) throws(LogsError) -> T {
        do { return try body() } catch { throw .internalFailure }
    }

    func groupArn(_ name: String) -> String { "arn:\(account.partition):logs:\(account.region):\(account.id):log-group:\(name)" }

    // MARK: Groups

    public func describeLogGroups(prefix: String?, pattern: String?, limit: Int, nextToken: String?) throws(LogsError) -> [String: Any] {
        var groups = try attempt { try reader.groups() }
        if let prefix { groups = groups.filter { $0.name.hasPrefix(prefix) } }
        if let pattern, !pattern.isEmpty { groups = groups.filter { $0.name.range(of: pattern, options: .caseInsensitive) != nil } }
        let start = try nextToken.map { token throws(LogsError) in Int(try PageToken.parse(token, kind: "groups")) } ?? 0
        let page = groups.dropFirst(start).prefix(limit)
        var result: [String: Any] = [
            "logGroups": page.map { group -> [String: Any] in
                var shape: [String: Any] = [
                    "logGroupName": group.name, "creationTime": group.creationTime, "metricFilterCount": 0,
                    "arn": groupArn(group.name) + ":*", "logGroupArn": groupArn(group.name), "storedBytes": group.storedBytes,
                    "logGroupClass": "STANDARD",
                ]
                if let days = group.retentionInDays { shape["retentionInDays"] = days }
                return shape
            }
        ]
        if start + page.count < groups.count { result["nextToken"] = PageToken.make("groups", Int64(start + page.count)) }
        return result
    }

    public func putRetentionPolicy(group: String, days: Int?) throws(LogsError) {
        guard let days, Self.retentionDays.contains(days) else {
            // moto's form of AWS's enum message; not checked against AWS here.
            throw .constraint(days.map(String.init), at: "retentionInDays",
                              "Member must satisfy enum value set: [\(Self.retentionDays.map(String.init).joined(separator: ", "))]")
        }
        guard try attempt({ try reader.setRetention(group: group, days: days) }) else { throw .groupNotFound }
    }

    public func deleteRetentionPolicy(group: String) throws(LogsError) {
        guard try attempt({ try reader.setRetention(group: group, days: nil) }) else { throw .groupNotFound }
    }

    // MARK: Streams

    public func describeLogStreams(
        group: String, prefix: String?, byLastEventTime: Bool, descending: Bool, limit: Int, nextToken: String?
    ) throws(LogsError) -> [String: Any] {
        if byLastEventTime, prefix != nil {
            throw .invalidParameter("Cannot order by LastEventTime with a logStreamNamePrefix.")
        }
        try requireGroup(group)
        var streams = try attempt { try reader.streams(group: group) }
        if let prefix { streams = streams.filter { $0.name.hasPrefix(prefix) } }
        if byLastEventTime { streams.sort { ($0.lastEventTimestamp, $0.name) < ($1.lastEventTimestamp, $1.name) } }
        if descending { streams.reverse() }
        let start = try nextToken.map { token throws(LogsError) in Int(try PageToken.parse(token, kind: "streams")) } ?? 0
        let page = streams.dropFirst(start).prefix(limit)
        var result: [String: Any] = [
            "logStreams": page.map { stream -> [String: Any] in
                [
                    "logStreamName": stream.name, "creationTime": stream.firstEventTimestamp,
                    "firstEventTimestamp": stream.firstEventTimestamp, "lastEventTimestamp": stream.lastEventTimestamp,
                    "lastIngestionTime": stream.lastIngestionTime, "storedBytes": stream.storedBytes,
                    "arn": groupArn(group) + ":log-stream:" + stream.name,
                ]
            }
        ]
        if start + page.count < streams.count { result["nextToken"] = PageToken.make("streams", Int64(start + page.count)) }
        return result
    }

    func requireGroup(_ group: String) throws(LogsError) {
        guard try attempt({ try reader.groupExists(group) }) else { throw .groupNotFound }
    }

    // MARK: Events

    public struct GetEventsInput: Sendable {
        public var group: String
        public var stream: String
        public var startTime: Int64?
        public var endTime: Int64?
        public var limit: Int = 10_000
        public var startFromHead = false
        public var nextToken: String?
    }

    /// GetLogEvents: without a token the newest events (or with `startFromHead` the oldest);
    /// with one, the events after (`f/`) or before (`b/`) it. When nothing is new, the same
    /// forward token comes back, so a client can poll with it.
    public func getLogEvents(_ input: GetEventsInput) throws(LogsError) -> [String: Any] {
        let token = try input.nextToken.map { text throws(LogsError) in try StreamToken(parsing: text) }
        try requireGroup(input.group)
        guard try attempt({ try reader.streamExists(group: input.group, stream: input.stream) }) else { throw .streamNotFound }
        var query = EventQuery(
            group: input.group, streams: [input.stream], startTime: input.startTime, endTime: input.endTime, endInclusive: false,
            limit: input.limit
        )
        let forward: Bool
        switch token {
        case .some(let token) where token.direction == .forward:
            query.afterId = token.id
            forward = true
        case .some(let token):
            query.beforeId = token.id
            forward = false
        case .none:
            forward = input.startFromHead
        }
        query.descending = !forward
        var events = Self.capped(try attempt { try reader.events(query) }) { $0.message }
        if !forward { events.reverse() }
        let forwardToken: StreamToken
        let backwardToken: StreamToken
        if let first = events.first, let last = events.last {
            forwardToken = StreamToken(.forward, last.id)
            backwardToken = StreamToken(.backward, first.id)
        } else if let token {
            forwardToken = token.direction == .forward ? token : StreamToken(.forward, token.id - 1)
            backwardToken = token.direction == .backward ? token : StreamToken(.backward, token.id + 1)
        } else {
            let anchor = input.startFromHead ? 0 : try attempt { try reader.lastId(group: input.group, stream: input.stream) }
            forwardToken = StreamToken(.forward, anchor)
            backwardToken = StreamToken(.backward, anchor + 1)
        }
        return [
            "events": events.map { ["timestamp": $0.timestamp, "message": $0.message, "ingestionTime": $0.ingestionTime] },
            "nextForwardToken": forwardToken.text, "nextBackwardToken": backwardToken.text,
        ]
    }

    public struct FilterEventsInput: Sendable {
        public var group: String
        public var streams: [String]?
        public var streamPrefix: String?
        public var startTime: Int64?
        public var endTime: Int64?
        public var pattern: FilterPattern = .all
        public var limit: Int = 10_000
        public var nextToken: String?
    }

    /// FilterLogEvents over the whole group, oldest first (by the order events were written),
    /// each with its stream and a stable `eventId` (`aws logs tail --follow` de-duplicates by it).
    public func filterLogEvents(_ input: FilterEventsInput) throws(LogsError) -> [String: Any] {
        let after = try input.nextToken.map { token throws(LogsError) in try PageToken.parse(token, kind: "after") } ?? 0
        try requireGroup(input.group)
        var matched: [StoredLogEvent] = []
        var cursor = after
        var scanned = 0
        var bytes = 0
        var more = false
        scan: while true {
            let batch = try attempt {
                try reader.events(EventQuery(
                    group: input.group, streams: input.streams, streamPrefix: input.streamPrefix, startTime: input.startTime,
                    endTime: input.endTime, afterId: cursor, limit: 1000
                ))
            }
            for event in batch {
                if matched.count == input.limit || scanned == Self.maxScannedPerCall { more = true; break scan }
                scanned += 1
                guard input.pattern.matches(event.message) else { cursor = event.id; continue }
                let size = event.message.utf8.count + 26
                if bytes + size > Self.maxResponseBytes, !matched.isEmpty { more = true; break scan }
                bytes += size
                matched.append(event)
                cursor = event.id
            }
            if batch.count < 1000 { break }
        }
        var result: [String: Any] = [
            "events": matched.map {
                [
                    "logStreamName": $0.stream, "timestamp": $0.timestamp, "message": $0.message, "ingestionTime": $0.ingestionTime,
                    "eventId": eventIdText($0.id),
                ] as [String: Any]
            },
            // Deprecated by AWS (always empty there now).
            "searchedLogStreams": [[String: Any]](),
        ]
        if more { result["nextToken"] = PageToken.make("after", cursor) }
        return result
    }

    /// The longest prefix of `events` within the 1 MB response limit (at least one event).
    static func capped(_ events: [StoredLogEvent], _ message: (StoredLogEvent) -> String) -> [StoredLogEvent] {
        var bytes = 0
        var count = 0
        for event in events {
            bytes += message(event).utf8.count + 26
            if bytes > maxResponseBytes, count > 0 { break }
            count += 1
        }
        return Array(events.prefix(count))
    }
}
