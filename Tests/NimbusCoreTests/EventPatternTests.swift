import Foundation
import Testing
@testable import NimbusCore

/// Event filtering: patterns from invocation-eventfiltering.md (quoted), the filters AWS
/// was recorded with in esm_sqs / esm_kinesis / esm_dynamodbstreams snapshots, and the
/// EventBridge operators Lambda supports.
@Suite("EventPattern")
struct EventPatternTests {
    func pattern(_ text: String) throws -> EventPattern {
        try EventPattern(json: text)
    }

    func event(_ text: String) throws -> JSONValue {
        try #require(JSONValue.parse(text))
    }

    func check(_ patternText: String, matches: [String], rejects: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let compiled = try pattern(patternText)
        for text in matches {
            #expect(compiled.matches(try event(text)), "\(patternText) should match \(text)", sourceLocation: sourceLocation)
        }
        for text in rejects {
            #expect(!compiled.matches(try event(text)), "\(patternText) should not match \(text)", sourceLocation: sourceLocation)
        }
    }

    func failure(_ text: String) -> LambdaError? {
        do {
            _ = try EventPattern(json: text)
            return nil
        } catch {
            return error
        }
    }

    // MARK: Operators (the guide's "Filter rule syntax" table)

    @Test("Null: \"UserID\": [ null ]")
    func null() throws {
        try check(#"{"UserID": [ null ]}"#,
                  matches: [#"{"UserID": null}"#],
                  rejects: [#"{"UserID": "null"}"#, #"{"UserID": ""}"#, #"{}"#])
    }

    @Test("Empty: \"LastName\": [\"\"]")
    func empty() throws {
        try check(#"{"LastName": [""]}"#,
                  matches: [#"{"LastName": ""}"#],
                  rejects: [#"{"LastName": " "}"#, #"{"LastName": null}"#, #"{}"#])
    }

    @Test("Equals: \"Name\": [ \"Alice\" ], byte for byte")
    func equals() throws {
        try check(#"{"Name": [ "Alice" ]}"#,
                  matches: [#"{"Name": "Alice", "Other": 1}"#],
                  rejects: [#"{"Name": "alice"}"#, #"{"Name": "Alice "}"#, #"{"Other": "Alice"}"#])
        // No Unicode normalization: a precomposed é is not e + combining acute.
        try check(#"{"n": ["caf\u00e9"]}"#, matches: [#"{"n": "caf\u00e9"}"#], rejects: [#"{"n": "cafe\u0301"}"#])
    }

    @Test("booleans and numbers are exact values of their own type")
    func typedValues() throws {
        try check(#"{"a": [true]}"#, matches: [#"{"a": true}"#], rejects: [#"{"a": "true"}"#, #"{"a": false}"#])
        try check(#"{"a": [1, 2]}"#, matches: [#"{"a": 1}"#, #"{"a": 2}"#], rejects: [#"{"a": "1"}"#, #"{"a": 3}"#])
    }

    @Test("numbers compare by their text: 300, 300.0 and 3.0e2 are not equal")
    func numbersAsText() throws {
        try check(#"{"n": [300]}"#, matches: [#"{"n": 300}"#], rejects: [#"{"n": 300.0}"#, #"{"n": 3.0e2}"#])
    }

    @Test("And: \"Location\": [ \"New York\" ], \"Day\": [\"Monday\"]")
    func and() throws {
        try check(#"{"Location": [ "New York" ], "Day": ["Monday"]}"#,
                  matches: [#"{"Location": "New York", "Day": "Monday"}"#],
                  rejects: [#"{"Location": "New York", "Day": "Tuesday"}"#, #"{"Location": "New York"}"#])
    }

    @Test("Or: \"PaymentType\": [ \"Credit\", \"Debit\"]")
    func or() throws {
        try check(#"{"PaymentType": [ "Credit", "Debit"]}"#,
                  matches: [#"{"PaymentType": "Credit"}"#, #"{"PaymentType": "Debit"}"#],
                  rejects: [#"{"PaymentType": "Cash"}"#])
    }

    @Test("Not: \"Weather\": [ { \"anything-but\": [ \"Raining\" ] } ], and needs the field")
    func anythingBut() throws {
        try check(#"{"Weather": [ { "anything-but": [ "Raining" ] } ]}"#,
                  matches: [#"{"Weather": "Sunny"}"#, #"{"Weather": "raining"}"#, #"{"Weather": null}"#],
                  rejects: [#"{"Weather": "Raining"}"#, #"{}"#])
        try check(#"{"state": [{"anything-but": "initializing"}]}"#,
                  matches: [#"{"state": "running"}"#], rejects: [#"{"state": "initializing"}"#])
        try check(#"{"x": [{"anything-but": [100, 200]}]}"#,
                  matches: [#"{"x": 300}"#, #"{"x": "100"}"#], rejects: [#"{"x": 100}"#, #"{"x": 200}"#])
    }

    @Test("anything-but with prefix, suffix and equals-ignore-case")
    func anythingButForms() throws {
        try check(#"{"Region": [{"anything-but": {"prefix": "us-"}}]}"#,
                  matches: [#"{"Region": "eu-west-1"}"#, #"{"Region": 5}"#], rejects: [#"{"Region": "us-east-1"}"#, #"{}"#])
        try check(#"{"FileName": [{"anything-but": {"suffix": ".png"}}]}"#,
                  matches: [#"{"FileName": "a.jpg"}"#], rejects: [#"{"FileName": "a.png"}"#])
        try check(#"{"state": [{"anything-but": {"equals-ignore-case": ["initializing", "stopped"]}}]}"#,
                  matches: [#"{"state": "running"}"#], rejects: [#"{"state": "INITIALIZING"}"#, #"{"state": "Stopped"}"#])
    }

    @Test("Numeric (equals): \"Price\": [ { \"numeric\": [ \"=\", 100 ] } ]")
    func numericEquals() throws {
        try check(#"{"Price": [ { "numeric": [ "=", 100 ] } ]}"#,
                  matches: [#"{"Price": 100}"#, #"{"Price": 100.0}"#, #"{"Price": 1e2}"#],
                  rejects: [#"{"Price": 101}"#, #"{"Price": "100"}"#, #"{}"#])
    }

    @Test("Numeric (range): \"Price\": [ { \"numeric\": [ \">\", 10, \"<=\", 20 ] } ]")
    func numericRange() throws {
        try check(#"{"Price": [ { "numeric": [ ">", 10, "<=", 20 ] } ]}"#,
                  matches: [#"{"Price": 10.5}"#, #"{"Price": 20}"#],
                  rejects: [#"{"Price": 10}"#, #"{"Price": 20.01}"#, #"{"Price": "15"}"#])
        try check(#"{"n": [{"numeric": ["<", 0]}]}"#, matches: [#"{"n": -1}"#], rejects: [#"{"n": 0}"#])
        try check(#"{"n": [{"numeric": [">=", 5]}]}"#, matches: [#"{"n": 5}"#], rejects: [#"{"n": 4.999}"#])
        try check(#"{"n": [{"numeric": ["<=", 5, ">", 1]}]}"#, matches: [#"{"n": 5}"#], rejects: [#"{"n": 1}"#])
    }

    @Test("Exists: \"ProductName\": [ { \"exists\": true } ]")
    func exists() throws {
        try check(#"{"ProductName": [ { "exists": true } ]}"#,
                  matches: [#"{"ProductName": "x"}"#, #"{"ProductName": null}"#, #"{"ProductName": ["x"]}"#],
                  rejects: [#"{}"#, #"{"ProductName": {"a": 1}}"#, #"{"ProductName": []}"#])
    }

    @Test("Does not exist: \"ProductName\": [ { \"exists\": false } ]")
    func doesNotExist() throws {
        try check(#"{"ProductName": [ { "exists": false } ]}"#,
                  matches: [#"{}"#, #"{"Other": 1}"#, #"{"ProductName": []}"#],
                  rejects: [#"{"ProductName": "x"}"#, #"{"ProductName": null}"#, #"{"ProductName": {"a": 1}}"#])
        // An absent parent object leaves every path under it absent.
        try check(#"{"a": {"b": [{"exists": false}]}}"#, matches: [#"{}"#, #"{"a": {}}"#], rejects: [#"{"a": {"b": 1}}"#])
    }

    @Test("Begins with: \"Region\": [ {\"prefix\": \"us-\" } ], and its ignore-case form")
    func prefix() throws {
        try check(#"{"Region": [ {"prefix": "us-" } ]}"#,
                  matches: [#"{"Region": "us-east-1"}"#, #"{"Region": "us-"}"#],
                  rejects: [#"{"Region": "US-east-1"}"#, #"{"Region": "eu-us-"}"#, #"{"Region": 1}"#, #"{}"#])
        try check(#"{"service": [{"prefix": {"equals-ignore-case": "eventb"}}]}"#,
                  matches: [#"{"service": "EventBridge"}"#], rejects: [#"{"service": "Lambda"}"#])
    }

    @Test("Ends with: suffix, and its ignore-case form")
    func suffix() throws {
        try check(#"{"FileName": [{"suffix": ".png"}]}"#,
                  matches: [#"{"FileName": "a.png"}"#], rejects: [#"{"FileName": "a.PNG"}"#, #"{"FileName": "png"}"#])
        try check(#"{"FileName": [{"suffix": {"equals-ignore-case": ".png"}}]}"#,
                  matches: [#"{"FileName": "a.PNG"}"#], rejects: [#"{"FileName": "a.jpg"}"#])
    }

    @Test("equals-ignore-case")
    func equalsIgnoreCase() throws {
        try check(#"{"Name": [{"equals-ignore-case": "alice"}]}"#,
                  matches: [#"{"Name": "ALICE"}"#, #"{"Name": "Alice"}"#], rejects: [#"{"Name": "Alicia"}"#, #"{}"#])
    }

    @Test("$or combines alternative sub-patterns, ANDed with the level's other fields")
    func dollarOr() throws {
        try check(#"{"c": ["x"], "$or": [{"a": [1]}, {"b": [{"numeric": [">", 5]}]}]}"#,
                  matches: [#"{"c": "x", "a": 1}"#, #"{"c": "x", "b": 6}"#],
                  rejects: [#"{"c": "x", "a": 2, "b": 5}"#, #"{"c": "y", "a": 1}"#])
    }

    @Test("an array in the event matches when any element does")
    func arrays() throws {
        try check(#"{"tags": ["red"]}"#,
                  matches: [#"{"tags": ["blue", "red"]}"#, #"{"tags": [["red"]]}"#], rejects: [#"{"tags": ["blue"]}"#, #"{"tags": []}"#])
        try check(#"{"items": {"id": [1], "ok": [true]}}"#,
                  matches: [#"{"items": [{"id": 2, "ok": false}, {"id": 1, "ok": true}]}"#],
                  // Both fields must hold in the same element.
                  rejects: [#"{"items": [{"id": 1, "ok": false}, {"id": 2, "ok": true}]}"#])
    }

    @Test("a rule array does not match an object, nor a nested pattern a leaf")
    func shapeMismatch() throws {
        try check(#"{"body": ["hello"]}"#, matches: [#"{"body": "hello"}"#], rejects: [#"{"body": {"hello": 1}}"#])
        try check(#"{"body": {"a": [{"exists": false}]}}"#, matches: [#"{"body": {"b": 1}}"#], rejects: [#"{"body": "plain"}"#])
    }

    // MARK: The guide's examples

    @Test("Kinesis partitionKey and Location (\"Filtering examples\")")
    func guidePartitionKey() throws {
        try check(#"{ "partitionKey": [ "1" ], "data": { "Location": [ "Los Angeles" ] }}"#,
                  matches: [#"{"partitionKey": "1", "data": {"Location": "Los Angeles"}}"#],
                  rejects: [#"{"partitionKey": "2", "data": {"Location": "Los Angeles"}}"#,
                            #"{"partitionKey": "1", "data": {"Location": "Seattle"}}"#])
    }

    @Test("Temperature greater than 50, at most 60 (\"Filtering examples\")")
    func guideTemperature() throws {
        try check(#"{ "data": { "Temperature": [ {"numeric": [ ">", 50, "<=", 60 ] } ]}}"#,
                  matches: [#"{"data": {"Temperature": 55}}"#, #"{"data": {"Temperature": 60}}"#],
                  rejects: [#"{"data": {"Temperature": 50}}"#, #"{"data": {"Temperature": "55"}}"#])
    }

    @Test("multi-level DynamoDB Keys.Id.N (\"Multi-level filtering\")")
    func guideMultiLevel() throws {
        try check(#"{ "dynamodb": { "Keys": { "Id": { "N": [ "101" ] } } } }"#,
                  matches: [#"{"dynamodb": {"Keys": {"Id": {"N": "101"}}, "NewImage": {"Message": {"S": "New item!"}}, "SizeBytes": 26}}"#],
                  rejects: [#"{"dynamodb": {"Keys": {"Id": {"N": "102"}}}}"#])
    }

    @Test("the console example { \"a\" : [ 1, 2 ] }")
    func guideConsole() throws {
        try check(#"{ "a" : [ 1, 2 ] }"#, matches: [#"{"a": 2}"#], rejects: [#"{"a": 3}"#])
    }

    @Test("duplicate keys: the last value counts (\"Duplicate keys\")")
    func duplicateKeys() throws {
        try check(#"{"Metadata1": [ "pattern1" ], "data": {"duplicateKey" : ["hello"], "uniqueKey" : ["test123"], "duplicateKey" : ["world"]}}"#,
                  matches: [#"{"Metadata1": "pattern1", "data": {"duplicateKey": "world", "uniqueKey": "test123"}}"#],
                  rejects: [#"{"Metadata1": "pattern1", "data": {"duplicateKey": "hello", "uniqueKey": "test123"}}"#])
    }

    @Test("the recorded DynamoDB numeric_filter: numeric fails on the string N, anything-but accepts it")
    func recordedDynamoNumeric() throws {
        try check(#"{"dynamodb": {"NewImage": {"numericFilter": {"N": [{"numeric": [">", 100]}, {"anything-but": "101"}]}}}}"#,
                  matches: [#"{"dynamodb": {"NewImage": {"numericFilter": {"N": "42"}}}}"#],
                  rejects: [#"{"dynamodb": {"NewImage": {"numericFilter": {"N": "101"}}}}"#])
    }

    // MARK: Invalid patterns

    @Test("invalid patterns get AWS's InvalidParameterValueException", arguments: [
        "null",                                  // recorded: test_sqs_invalid_event_filter[None]
        "simple string",                         // recorded: [simple string]
        #"{"eventSource": "aws:sqs"}"#,          // recorded: a leaf that is not an array
        #"{"eventSource": []}"#,                 // recorded: an empty array
        #"[{"eventName": ["INSERT"=123}]"#,      // recorded (DynamoDB): bad JSON
        "",
        "{}",
        "[]",
        #"{"a": [1]} trailing"#,
        #"{"a": [["nested"]]}"#,
        #"{"a": {}}"#,
        #"{"a": [{"contains": "x"}]}"#,          // unknown operator
        #"{"a": [{"prefix": "x", "suffix": "y"}]}"#,
        #"{"a": [{"prefix": 1}]}"#,
        #"{"a": [{"prefix": {"other": "x"}}]}"#,
        #"{"a": [{"suffix": null}]}"#,
        #"{"a": [{"equals-ignore-case": ["x"]}]}"#,
        #"{"a": [{"exists": "true"}]}"#,
        #"{"a": [{"anything-but": []}]}"#,
        #"{"a": [{"anything-but": ["x", 1]}]}"#,
        #"{"a": [{"anything-but": true}]}"#,
        #"{"a": [{"anything-but": {"numeric": [">", 1]}}]}"#,
        #"{"a": [{"numeric": [">"]}]}"#,         // wrong arity
        #"{"a": [{"numeric": [">", 1, "<"]}]}"#,
        #"{"a": [{"numeric": [">", 1, "<", 5, "=", 3]}]}"#,
        #"{"a": [{"numeric": ["=", 1, "<", 5]}]}"#,
        #"{"a": [{"numeric": [">", 1, ">=", 5]}]}"#,
        #"{"a": [{"numeric": [">", 5, "<", 1]}]}"#,
        #"{"a": [{"numeric": ["!=", 5]}]}"#,
        #"{"a": [{"numeric": [">", "5"]}]}"#,
        #"{"$or": [{"a": [1]}]}"#,
        #"{"$or": {"a": [1]}}"#,
        #"{"$or": [{"a": [1]}, "b"]}"#,
    ])
    func invalid(_ text: String) {
        let error = failure(text)
        #expect(error?.code == .invalidParameterValue)
        #expect(error?.message == "Invalid filter pattern definition.")
        #expect(error?.httpStatus == 400)
    }

    @Test("a pattern longer than 4096 characters fails the model's length constraint")
    func tooLong() throws {
        let padding = String(repeating: "x", count: 4096 - #"{"a": [""]}"#.count)
        let atLimit = #"{"a": [""# + padding + #""]}"#
        #expect(atLimit.count == 4096)
        _ = try pattern(atLimit)
        let over = #"{"a": [""# + padding + #"x"]}"#
        do {
            _ = try EventPattern(json: over, position: 2)
            Issue.record("a 4097-character pattern was accepted")
        } catch {
            #expect(error.code == .validation)
            #expect(error.message == "1 validation error detected: Value '\(over)' at 'filterCriteria.filters.2.member.pattern' failed to satisfy constraint: Member must have length less than or equal to 4096")
        }
    }
}

@Suite("FilterCriteria")
struct FilterCriteriaTests {
    func sqsRecord(body: String) -> [UInt8] {
        let quoted = JSONText.quoted(body)
        return Array(#"{"messageId":"m-1","receiptHandle":"rh","body":\#(quoted),"attributes":{"ApproximateReceiveCount":"1"},"messageAttributes":{},"md5OfBody":"x","eventSource":"aws:sqs"}"#.utf8)
    }

    func kinesisRecord(data: [UInt8], partitionKey: String = "1") -> [UInt8] {
        let encoded = Data(data).base64EncodedString()
        return Array(#"{"kinesis":{"kinesisSchemaVersion":"1.0","partitionKey":"\#(partitionKey)","sequenceNumber":"49590338271490256608559692538361571095921575989136588898","data":"\#(encoded)","approximateArrivalTimestamp":1545084650.987},"eventSource":"aws:kinesis","eventName":"aws:kinesis:record"}"#.utf8)
    }

    @Test("no filters let everything through; otherwise any filter may match")
    func anyFilter() throws {
        let none = try FilterCriteria(patterns: [], source: .sqs)
        #expect(none.matchesSQSRecord(json: sqsRecord(body: "anything")))
        let two = try FilterCriteria(patterns: [#"{"body": ["a"]}"#, #"{"body": ["b"]}"#], source: .sqs)
        #expect(two.matchesSQSRecord(json: sqsRecord(body: "a")))
        #expect(two.matchesSQSRecord(json: sqsRecord(body: "b")))
        #expect(!two.matchesSQSRecord(json: sqsRecord(body: "c")))
    }

    @Test("an invalid pattern anywhere in the list fails the whole criteria, with its position in length errors")
    func invalidMember() {
        #expect(throws: EventPattern.invalid) {
            try FilterCriteria(patterns: [#"{"a": [1]}"#, "simple string"], source: .sqs)
        }
        let long = #"{"a": [""# + String(repeating: "y", count: 4100) + #""]}"#
        do {
            _ = try FilterCriteria(patterns: [#"{"a": [1]}"#, #"{"a": [2]}"#, long], source: .sqs)
            Issue.record("accepted")
        } catch {
            #expect(error.code == .validation)
            #expect(error.message.contains("at 'filterCriteria.filters.3.member.pattern'"))
        }
    }

    @Test("SQS recorded filters: JSON bodies are parsed before matching (esm_sqs.snapshot.json)")
    func sqsRecorded() throws {
        let cases: [(String, String, String)] = [
            (#"{"body": {"testItem": ["test24"]}}"#, #"{"testItem": "test24"}"#, #"{"testItem": "test23"}"#),
            (#"{"body": {"testItem": ["test24", "test45"], "test2": ["go"]}}"#, #"{"testItem": "test45", "test2": "go"}"#, #"{"testItem": "test45", "test2": "stop"}"#),
            (#"{"body": {"test2": [{"exists": true}]}}"#, #"{"test2": "7411"}"#, #"{"test3": "7411"}"#),
            (#"{"body": {"test2": [{"numeric": [">", 100]}]}}"#, #"{"test2": 105}"#, "this is a test string"),
            (#"{"body": {"my-number": [{"numeric": [">=", 100, "<", 200]}]}}"#, #"{"my-number": 100}"#, #"{"my-number": 200}"#),
            (#"{"body": {"test2": [{"prefix": "us-1"}]}}"#, #"{"test2": "us-1-48454"}"#, #"{"test2": "eu-1-48454"}"#),
        ]
        for (pattern, matching, notMatching) in cases {
            let criteria = try FilterCriteria(patterns: [pattern], source: .sqs)
            #expect(criteria.matchesSQSRecord(json: sqsRecord(body: matching)), "\(pattern) / \(matching)")
            #expect(!criteria.matchesSQSRecord(json: sqsRecord(body: notMatching)), "\(pattern) / \(notMatching)")
        }
    }

    @Test("SQS plain-string bodies: the body-format table of \"Properly filtering Amazon SQS messages\"")
    func sqsBodyFormats() throws {
        let plainPattern = try FilterCriteria(patterns: [#"{"body": [{"prefix": "hello"}]}"#], source: .sqs)
        let jsonPattern = try FilterCriteria(patterns: [#"{"body": {"greeting": [{"prefix": "hello"}]}}"#], source: .sqs)
        let metadataOnly = try FilterCriteria(patterns: [#"{"attributes": {"ApproximateReceiveCount": ["1"]}}"#], source: .sqs)
        // Plain string body, plain string pattern: filtered on the pattern.
        #expect(plainPattern.matchesSQSRecord(json: sqsRecord(body: "hello world")))
        #expect(!plainPattern.matchesSQSRecord(json: sqsRecord(body: "goodbye")))
        // Plain string body, JSON pattern: dropped.
        #expect(!jsonPattern.matchesSQSRecord(json: sqsRecord(body: "hello world")))
        // JSON body, plain string pattern: dropped, even when the text starts the same way.
        #expect(!plainPattern.matchesSQSRecord(json: sqsRecord(body: #"{"greeting": "hello"}"#)))
        // JSON body, JSON pattern: filtered on the pattern.
        #expect(jsonPattern.matchesSQSRecord(json: sqsRecord(body: #"{"greeting": "hello there"}"#)))
        #expect(!jsonPattern.matchesSQSRecord(json: sqsRecord(body: #"{"greeting": "bye"}"#)))
        // No pattern for body: metadata only, whatever the body.
        #expect(metadataOnly.matchesSQSRecord(json: sqsRecord(body: "plain")))
        #expect(metadataOnly.matchesSQSRecord(json: sqsRecord(body: #"{"a": 1}"#)))
        let otherCount = try FilterCriteria(patterns: [#"{"attributes": {"ApproximateReceiveCount": ["2"]}}"#], source: .sqs)
        #expect(!otherCount.matchesSQSRecord(json: sqsRecord(body: "plain")))
    }

    @Test("an SQS body that is JSON but not an object stays a plain string")
    func sqsScalarBody() throws {
        let criteria = try FilterCriteria(patterns: [#"{"body": ["123"]}"#], source: .sqs)
        #expect(criteria.matchesSQSRecord(json: sqsRecord(body: "123")))
        let view = FilterCriteria.sqsFilterView(of: try #require(JSONValue.parse(sqsRecord(body: "[1]"))))
        guard case .object(let fields) = view else { Issue.record("not an object"); return }
        #expect(fields["body"] == .string("[1]"))
    }

    @Test("Kinesis: data is base64-decoded and parsed; partitionKey sits at the top (recorded json pattern)")
    func kinesisJSON() throws {
        let criteria = try FilterCriteria(patterns: [#"{"data": {"event_type": ["function_1"]}}"#], source: .kinesis)
        #expect(criteria.matchesKinesisRecord(json: kinesisRecord(data: Array(#"{"event_type": "function_1", "message": "foo"}"#.utf8))))
        #expect(!criteria.matchesKinesisRecord(json: kinesisRecord(data: Array(#"{"event_type": "function_2", "message": "foo"}"#.utf8))))
        let both = try FilterCriteria(patterns: [#"{ "partitionKey": [ "1" ], "data": { "Location": [ "Los Angeles" ] }}"#], source: .kinesis)
        #expect(both.matchesKinesisRecord(json: kinesisRecord(data: Array(#"{"Location": "Los Angeles"}"#.utf8))))
        #expect(!both.matchesKinesisRecord(json: kinesisRecord(data: Array(#"{"Location": "Los Angeles"}"#.utf8), partitionKey: "2")))
    }

    @Test("Kinesis non-JSON data: a data pattern drops the record, metadata patterns still apply")
    func kinesisPlainData() throws {
        let plain = kinesisRecord(data: Array("hello".utf8))
        let dataPattern = try FilterCriteria(patterns: [#"{"data": {"a": [{"exists": false}]}}"#], source: .kinesis)
        #expect(!dataPattern.matchesKinesisRecord(json: plain))
        #expect(dataPattern.matchesKinesisRecord(json: kinesisRecord(data: Array(#"{"b": 1}"#.utf8))))
        let metadata = try FilterCriteria(patterns: [#"{"partitionKey": ["1"]}"#], source: .kinesis)
        #expect(metadata.matchesKinesisRecord(json: plain))
        #expect(!metadata.matchesKinesisRecord(json: kinesisRecord(data: Array("hello".utf8), partitionKey: "9")))
    }

    @Test("streams refuse a plain (rule array) pattern on the data key; SQS accepts it on body")
    func streamsNeedJSONDataPatterns() throws {
        #expect(throws: EventPattern.invalid) { try FilterCriteria(patterns: [#"{"data": ["hello"]}"#], source: .kinesis) }
        #expect(throws: EventPattern.invalid) { try FilterCriteria(patterns: [#"{"dynamodb": [{"exists": true}]}"#], source: .dynamoDBStreams) }
        #expect(throws: EventPattern.invalid) {
            try FilterCriteria(patterns: [#"{"$or": [{"data": ["x"]}, {"partitionKey": ["1"]}]}"#], source: .kinesis)
        }
        _ = try FilterCriteria(patterns: [#"{"data": ["hello"]}"#], source: .sqs)
        _ = try FilterCriteria(patterns: [#"{"body": ["hello"]}"#], source: .kinesis)
    }

    @Test("DynamoDB recorded filters see the record as delivered")
    func dynamoRecorded() throws {
        let record = try #require(JSONValue.parse(#"{"eventID":"1","eventName":"INSERT","eventVersion":"1.1","eventSource":"aws:dynamodb","awsRegion":"us-east-1","dynamodb":{"Keys":{"id":{"S":"id_value_1"}},"NewImage":{"id":{"S":"id_value_1"},"presentKey":{"S":"presentValue"}},"SequenceNumber":"1","SizeBytes":46,"StreamViewType":"NEW_AND_OLD_IMAGES"}}"#))
        let passing = [
            #"{"eventName": ["INSERT"], "eventSource": ["aws:dynamodb"]}"#,
            #"{"eventName": ["INSERT", "MODIFY"]}"#,
            #"{"dynamodb": {"NewImage": {"presentKey": {"S": ["presentValue"]}}}}"#,
            #"{"dynamodb": {"NewImage": {"presentKey": {"S": [{"exists": true}]}}}}"#,
        ]
        for pattern in passing {
            #expect(try FilterCriteria(patterns: [pattern], source: .dynamoDBStreams).matchesDynamoDBRecord(record), "\(pattern)")
        }
        let failing = [
            #"{"eventName": ["MODIFY"]}"#,
            #"{"dynamodb": {"NewImage": {"presentKey": [{"exists": false}]}}}"#,
        ]
        for pattern in failing {
            #expect(try !FilterCriteria(patterns: [pattern], source: .dynamoDBStreams).matchesDynamoDBRecord(record), "\(pattern)")
        }
    }
}

@Suite("JSONValue")
struct JSONValueTests {
    @Test("parses strict JSON and keeps number text")
    func parses() {
        #expect(JSONValue.parse(#" {"a": [1, -2.5e+3, true, null, "x\u00e9\n\ud83d\ude00"]} "#)
            == .object(["a": .array([.number("1"), .number("-2.5e+3"), .bool(true), .null, .string("xé\n😀")])]))
    }

    @Test("refuses what RFC 8259 refuses", arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "+1", "'a'", "\"\u{01}\"", "\"\\x\"", "\"\\ud800\"", "tru", "{} {}", "NaN",
    ])
    func refuses(_ text: String) {
        #expect(JSONValue.parse(text) == nil)
    }

    @Test("refuses documents nested deeper than its limit instead of overflowing the stack")
    func depth() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(JSONValue.parse(deep) == nil)
        let fine = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(JSONValue.parse(fine) != nil)
    }
}
