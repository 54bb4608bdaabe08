import Foundation
import Logging
import NimbusCore
import NimbusStore
import Testing
@testable import NimbusLogs

@Suite struct LogsServiceTests {
    let database: NimbusDatabase
    let store: LogStore
    let service: LogsService
    static let group = "/aws/lambda/fn"
    static let stream = "2026/11/23/[$LATEST]abc"

    init() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("logs-\(UUID().uuidString).sqlite").path
        database = try NimbusDatabase(path: path)
        store = LogStore(database: database)
        service = LogsService(account: Account(), database: database)
    }

    func append(_ messages: [String], stream: String = stream, timestamp: Int64 = 1_000) throws {
        try store.append(messages.enumerated().map {
            FunctionLogEvent(logGroup: Self.group, logStream: stream, timestamp: timestamp + Int64($0.offset), message: $0.element)
        })
    }

    func messages(_ result: [String: Any]) -> [String] {
        (result["events"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
    }

    @Test func tokensRoundTripInAWSForm() throws {
        let token = StreamToken(.forward, 42)
        #expect(token.text.count == 58)
        #expect(token.text.hasPrefix("f/0000"))
        #expect(try StreamToken(parsing: token.text) == token)
        #expect(try StreamToken(parsing: StreamToken(.backward, 7).text) == StreamToken(.backward, 7))
        for bad in ["x/" + String(repeating: "0", count: 56), "f/123", "f/" + String(repeating: "a", count: 56), "garbage"] {
            #expect(throws: LogsError.invalidNextToken) { try StreamToken(parsing: bad) }
        }
        #expect(throws: LogsError.invalidNextToken) { try PageToken.parse("not base64!", kind: "after") }
        #expect(try PageToken.parse(PageToken.make("after", 9), kind: "after") == 9)
    }

    @Test func getLogEventsPagesForwardAndRepeatsTheTokenWhenNothingIsNew() throws {
        try append(["one", "two", "three"])
        var input = LogsService.GetEventsInput(group: Self.group, stream: Self.stream)
        input.startFromHead = true
        input.limit = 2
        let first = try service.getLogEvents(input)
        #expect(messages(first) == ["one", "two"])
        input.nextToken = first["nextForwardToken"] as? String
        let second = try service.getLogEvents(input)
        #expect(messages(second) == ["three"])
        input.nextToken = second["nextForwardToken"] as? String
        let third = try service.getLogEvents(input)
        #expect(messages(third).isEmpty)
        #expect(third["nextForwardToken"] as? String == input.nextToken)
        try append(["four"])
        #expect(messages(try service.getLogEvents(input)) == ["four"])
        // Backwards from the second page's start: the first page again.
        input.nextToken = second["nextBackwardToken"] as? String
        #expect(messages(try service.getLogEvents(input)) == ["one", "two"])
    }

    @Test func getLogEventsWithoutTokenReturnsTheNewestAndHonoursTimes() throws {
        try append(["a", "b", "c", "d"], timestamp: 100)
        var input = LogsService.GetEventsInput(group: Self.group, stream: Self.stream)
        input.limit = 2
        #expect(messages(try service.getLogEvents(input)) == ["c", "d"])
        input.limit = 10
        input.startTime = 101
        input.endTime = 103  // exclusive
        #expect(messages(try service.getLogEvents(input)) == ["b", "c"])
    }

    @Test func missingGroupAndStreamAreResourceNotFound() throws {
        try append(["x"])
        #expect(throws: LogsError.groupNotFound) { try service.getLogEvents(.init(group: "/aws/lambda/none", stream: Self.stream)) }
        #expect(throws: LogsError.streamNotFound) { try service.getLogEvents(.init(group: Self.group, stream: "nope")) }
        #expect(throws: LogsError.groupNotFound) { try service.filterLogEvents(.init(group: "/aws/lambda/none")) }
    }

    @Test func filterLogEventsPagesWithStableEventIds() throws {
        try append(["keep 1", "drop", "keep 2", "keep 3"])
        var input = LogsService.FilterEventsInput(group: Self.group)
        input.pattern = try FilterPattern.parse("keep")
        input.limit = 2
        let first = try service.filterLogEvents(input)
        #expect(messages(first) == ["keep 1", "keep 2"])
        let events = first["events"] as? [[String: Any]] ?? []
        #expect(events.first?["logStreamName"] as? String == Self.stream)
        #expect((events.first?["eventId"] as? String)?.count == 56)
        input.nextToken = first["nextToken"] as? String
        #expect(input.nextToken != nil)
        let second = try service.filterLogEvents(input)
        #expect(messages(second) == ["keep 3"])
        #expect(second["nextToken"] == nil)
    }

    @Test func filterLogEventsSelectsStreams() throws {
        try append(["in a"], stream: "2026/11/23/[$LATEST]a")
        try append(["in b"], stream: "2026/11/23/[1]b")
        var input = LogsService.FilterEventsInput(group: Self.group)
        input.streamPrefix = "2026/11/23/[1]"
        #expect(messages(try service.filterLogEvents(input)) == ["in b"])
        input.streamPrefix = nil
        input.streams = ["2026/11/23/[$LATEST]a"]
        #expect(messages(try service.filterLogEvents(input)) == ["in a"])
    }

    @Test func describeLogStreamsOrdersAndPages() throws {
        try append(["late"], stream: "a", timestamp: 500)
        try append(["early"], stream: "b", timestamp: 100)
        func names(_ result: [String: Any]) -> [String] {
            (result["logStreams"] as? [[String: Any]] ?? []).compactMap { $0["logStreamName"] as? String }
        }
        #expect(names(try service.describeLogStreams(group: Self.group, prefix: nil, byLastEventTime: false, descending: false, limit: 50, nextToken: nil)) == ["a", "b"])
        let byTime = try service.describeLogStreams(group: Self.group, prefix: nil, byLastEventTime: true, descending: true, limit: 1, nextToken: nil)
        #expect(names(byTime) == ["a"])
        let rest = try service.describeLogStreams(
            group: Self.group, prefix: nil, byLastEventTime: true, descending: true, limit: 1, nextToken: byTime["nextToken"] as? String
        )
        #expect(names(rest) == ["b"])
        #expect(throws: LogsError.invalidParameter("Cannot order by LastEventTime with a logStreamNamePrefix.")) {
            try service.describeLogStreams(group: Self.group, prefix: "a", byLastEventTime: true, descending: false, limit: 50, nextToken: nil)
        }
    }

    @Test func retentionIsValidatedStoredAndEnforced() throws {
        let now = Date()
        let nowMillis = Int64(now.timeIntervalSince1970 * 1000)
        try append(["old"], timestamp: nowMillis - 2 * 86_400_000)
        try append(["new"], timestamp: nowMillis - 1000)
        #expect(throws: LogsError.self) { try service.putRetentionPolicy(group: Self.group, days: 2) }
        #expect(throws: LogsError.groupNotFound) { try service.putRetentionPolicy(group: "/aws/lambda/none", days: 1) }
        try service.putRetentionPolicy(group: Self.group, days: 1)
        let groups = try service.describeLogGroups(prefix: nil, pattern: nil, limit: 50, nextToken: nil)["logGroups"] as? [[String: Any]]
        #expect(groups?.first?["retentionInDays"] as? Int == 1)
        let sweeper = RetentionSweeper(service: service, logger: Logger(label: "test"))
        #expect(sweeper.sweep(now: now) == 1)
        #expect(try store.events(logGroup: Self.group).map(\.message) == ["new"])
        try service.deleteRetentionPolicy(group: Self.group)
        let after = try service.describeLogGroups(prefix: nil, pattern: nil, limit: 50, nextToken: nil)["logGroups"] as? [[String: Any]]
        #expect(after?.first?["retentionInDays"] == nil)
        #expect(sweeper.sweep(now: now.addingTimeInterval(10 * 86_400)) == 0)
    }

    @Test func aGroupOutlivesItsExpiredEvents() throws {
        try append(["x"], timestamp: 1)
        try service.putRetentionPolicy(group: Self.group, days: 1)
        RetentionSweeper(service: service, logger: Logger(label: "test")).sweep()
        let groups = try service.describeLogGroups(prefix: "/aws/lambda/", pattern: nil, limit: 50, nextToken: nil)["logGroups"] as? [[String: Any]]
        #expect(groups?.map { $0["logGroupName"] as? String } == [Self.group])
        #expect(groups?.first?["storedBytes"] as? Int64 == 0 || groups?.first?["storedBytes"] as? Int == 0)
    }
}
