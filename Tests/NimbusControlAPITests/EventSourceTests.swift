import Foundation
import Testing
@testable import NimbusControlAPI
@testable import NimbusQueues

@Suite("SQSEvent")
struct SQSEventTests {
    static func message(_ id: String, body: String, attributes: [String: MessageAttributeValue] = [:]) -> QueueService.ReceivedMessage {
        QueueService.ReceivedMessage(
            messageId: id, receiptHandle: "handle-\(id)", body: body, md5OfBody: MessageDigest.md5(ofBody: body),
            attributes: attributes, sentTimestamp: 1_700_000_000_123, approximateReceiveCount: 2,
            approximateFirstReceiveTimestamp: 1_700_000_000_456, senderId: "000000000000")
    }

    static func records(_ data: Data) throws -> [[String: Any]] {
        let event = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try #require(event["Records"] as? [[String: Any]])
    }

    @Test("a record has AWS's fields, in AWS's order, with string attributes")
    func recordShape() throws {
        let data = SQSEvent.payload([Self.message("m1", body: "{\"a\": \"b/c\"}")], queueArn: "arn:aws:sqs:us-east-1:000000000000:q", region: "us-east-1")
        let text = String(decoding: data, as: UTF8.self)
        let keys = ["messageId", "receiptHandle", "body", "attributes", "messageAttributes", "md5OfMessageAttributes", "md5OfBody",
                    "eventSource", "eventSourceARN", "awsRegion"]
        let positions = keys.map { text.range(of: "\"\($0)\":")!.lowerBound }
        #expect(positions == positions.sorted())
        let record = try #require(try Self.records(data).first)
        #expect(record["messageId"] as? String == "m1")
        #expect(record["receiptHandle"] as? String == "handle-m1")
        #expect(record["body"] as? String == "{\"a\": \"b/c\"}")
        #expect(record["md5OfMessageAttributes"] is NSNull)
        #expect(record["eventSource"] as? String == "aws:sqs")
        #expect(record["eventSourceARN"] as? String == "arn:aws:sqs:us-east-1:000000000000:q")
        #expect(record["awsRegion"] as? String == "us-east-1")
        let attributes = try #require(record["attributes"] as? [String: String])
        #expect(attributes == [
            "ApproximateReceiveCount": "2", "SentTimestamp": "1700000000123", "SenderId": "000000000000",
            "ApproximateFirstReceiveTimestamp": "1700000000456",
        ])
        #expect((record["messageAttributes"] as? [String: Any])?.isEmpty == true)
    }

    @Test("message attributes use the event's lower-case shape and binary values are base64")
    func messageAttributes() throws {
        let attributes = [
            "Author": MessageAttributeValue(dataType: "String", stringValue: "John Grisham"),
            "Blob": MessageAttributeValue(dataType: "Binary", binaryValue: [1, 2, 3]),
        ]
        let data = SQSEvent.payload([Self.message("m2", body: "x", attributes: attributes)], queueArn: "arn", region: "r")
        let record = try #require(try Self.records(data).first)
        let values = try #require(record["messageAttributes"] as? [String: [String: Any]])
        #expect(values["Author"]?["stringValue"] as? String == "John Grisham")
        #expect(values["Author"]?["dataType"] as? String == "String")
        #expect((values["Author"]?["stringListValues"] as? [Any])?.isEmpty == true)
        #expect((values["Author"]?["binaryListValues"] as? [Any])?.isEmpty == true)
        #expect(values["Author"]?["binaryValue"] == nil)
        #expect(values["Blob"]?["binaryValue"] as? String == "AQID")
        #expect(record["md5OfMessageAttributes"] as? String == MessageDigest.md5(ofAttributes: attributes))
    }
}

@Suite("BatchItemFailures")
struct BatchItemFailuresTests {
    let ids: Set<String> = ["a", "b", "c"]

    func parse(_ text: String) -> BatchItemFailures {
        BatchItemFailures.parse(Data(text.utf8), messageIds: ids)
    }

    @Test("empty or null responses and lists are a complete success", arguments: [
        "", "null", "{}", #"{"batchItemFailures": []}"#, #"{"batchItemFailures": null}"#, #"{"other": 1}"#,
    ])
    func success(_ text: String) {
        #expect(parse(text) == BatchItemFailures.allSucceeded)
    }

    @Test("listed message IDs fail; the rest succeed")
    func partial() {
        #expect(parse(#"{"batchItemFailures": [{"itemIdentifier": "a"}, {"itemIdentifier": "c"}]}"#) == .failed(["a", "c"]))
    }

    @Test("invalid JSON, empty, null, misnamed or unknown identifiers fail the whole batch", arguments: [
        "{not json", #"{"batchItemFailures": [{"itemIdentifier": ""}]}"#, #"{"batchItemFailures": [{"itemIdentifier": null}]}"#,
        #"{"batchItemFailures": [{"itemId": "a"}]}"#, #"{"batchItemFailures": [{"itemIdentifier": "zzz"}]}"#,
        #"{"batchItemFailures": "a"}"#,
    ])
    func failure(_ text: String) {
        #expect(parse(text) == .batchFailed)
    }
}

@Suite("Event source mapping routes")
struct EventSourceMappingRouteTests {
    @Test("maps botocore's paths", arguments: [
        ("POST", "/2015-03-31/event-source-mappings/", LambdaRoute.eventSourceMappings(method: "POST", uuid: nil)),
        ("GET", "/2015-03-31/event-source-mappings/", .eventSourceMappings(method: "GET", uuid: nil)),
        ("GET", "/2015-03-31/event-source-mappings/abc", .eventSourceMappings(method: "GET", uuid: "abc")),
        ("PUT", "/2015-03-31/event-source-mappings/abc", .eventSourceMappings(method: "PUT", uuid: "abc")),
        ("DELETE", "/2015-03-31/event-source-mappings/abc", .eventSourceMappings(method: "DELETE", uuid: "abc")),
    ])
    func routes(_ method: String, _ path: String, _ expected: LambdaRoute) {
        #expect(LambdaRoute(method: method, rawPath: path) == expected)
    }
}
