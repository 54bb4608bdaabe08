import Foundation
import NimbusCore
import NimbusStore
import Testing
@testable import NimbusLogs

/// The JSON 1.1 layer: members parsed from the body as botocore sends them, errors as `__type`.
@Suite struct LogsAPITests {
    let api: LogsAPI
    let store: LogStore

    init() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("logsapi-\(UUID().uuidString).sqlite").path
        let database = try NimbusDatabase(path: path)
        store = LogStore(database: database)
        api = LogsAPI(service: LogsService(account: Account(), database: database))
        try store.append([
            FunctionLogEvent(logGroup: "/aws/lambda/f", logStream: "a", timestamp: 200, message: "late"),
            FunctionLogEvent(logGroup: "/aws/lambda/f", logStream: "b", timestamp: 100, message: "early"),
        ])
    }

    func call(_ operation: String, _ body: String) throws -> (Int, [String: Any]) {
        let response = api.handle(target: LogsAPI.targetPrefix + operation, body: Array(body.utf8))
        let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] ?? [:]
        return (response.status, object)
    }

    @Test func booleansAndEnumsComeFromTheBody() throws {
        let (status, result) = try call("DescribeLogStreams", #"{"logGroupName":"/aws/lambda/f","orderBy":"LastEventTime","descending":true}"#)
        #expect(status == 200)
        #expect((result["logStreams"] as? [[String: Any]])?.compactMap { $0["logStreamName"] as? String } == ["a", "b"])
        let (_, ascending) = try call("DescribeLogStreams", #"{"logGroupName":"/aws/lambda/f","orderBy":"LastEventTime"}"#)
        #expect((ascending["logStreams"] as? [[String: Any]])?.compactMap { $0["logStreamName"] as? String } == ["b", "a"])
        let (_, head) = try call("GetLogEvents", #"{"logGroupName":"/aws/lambda/f","logStreamName":"a","startFromHead":true,"limit":1}"#)
        #expect((head["events"] as? [[String: Any]])?.first?["message"] as? String == "late")
    }

    @Test func errorsCarryTheirTypeAndMessage() throws {
        let (status, body) = try call("DescribeLogStreams", #"{"logGroupName":"/aws/lambda/none"}"#)
        #expect(status == 400)
        #expect(body["__type"] as? String == "ResourceNotFoundException")
        #expect(body["message"] as? String == "The specified log group does not exist.")
        let (_, badOrder) = try call("DescribeLogStreams", #"{"logGroupName":"/aws/lambda/f","orderBy":"Size"}"#)
        #expect(badOrder["message"] as? String
            == "1 validation error detected: Value 'Size' at 'orderBy' failed to satisfy constraint: Member must satisfy enum value set: [LogStreamName, LastEventTime]")
        let (_, unknown) = try call("PutLogEvents", "{}")
        #expect(unknown["__type"] as? String == "UnknownOperationException")
        let (_, notJSON) = try call("DescribeLogGroups", "[1]")
        #expect(notJSON["__type"] as? String == "SerializationException")
    }
}
