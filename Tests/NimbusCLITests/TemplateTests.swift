import Foundation
import Synchronization
import Testing

@testable import NimbusCLI

@Suite("SAM templates")
struct TemplateTests {
    static let full = """
        AWSTemplateFormatVersion: '2010-09-09'
        Transform: AWS::Serverless-2016-10-31
        Parameters:
          Stage:
            Type: String
            Default: dev
        Globals:
          Function:
            Runtime: python3.12
            Timeout: 10
            Environment:
              Variables:
                SHARED: global
                STAGE: !Ref Stage
        Resources:
          Deps:
            Type: AWS::Serverless::LayerVersion
            Properties:
              LayerName: deps
              ContentUri: layer/
              CompatibleRuntimes: [python3.12]
          Jobs:
            Type: AWS::SQS::Queue
            Properties:
              VisibilityTimeout: 30
              Tags: [{Key: a, Value: b}]
          Hello:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: src/
              Handler: app.handler
              MemorySize: 256
              Environment:
                Variables:
                  SHARED: own
                  QUEUE: !GetAtt Jobs.Arn
                  NAME: !Sub "${AWS::Region}-${Stage}-${!Literal}"
              Layers:
                - !Ref Deps
                - arn:aws:lambda:us-east-1:000000000000:layer:other:1
              Tracing: Active
              Events:
                Web:
                  Type: Api
                  Properties: {Path: /, Method: get}
                Tick:
                  Type: Schedule
                  Properties:
                    Schedule: rate(1 minute)
                    Input: '{"tick": true}'
                Work:
                  Type: SQS
                  Properties:
                    Queue:
                      Fn::GetAtt: [Jobs, Arn]
                    BatchSize: 5
                    FunctionResponseTypes: [ReportBatchItemFailures]
                Bucket:
                  Type: S3
          Table:
            Type: AWS::DynamoDB::Table
        """

    @Test("reads functions, globals, layers, queues and events")
    func parsesEverything() throws {
        let template = try SAMTemplate.parse(Self.full)
        #expect(template.parameters == ["Stage": "dev"])
        #expect(template.layers == [.init(logicalId: "Deps", name: "deps", contentUri: "layer/", compatibleRuntimes: ["python3.12"], description: nil)])
        #expect(template.queues == [.init(logicalId: "Jobs", name: "Jobs", attributes: ["VisibilityTimeout": "30"])])
        let function = try #require(template.functions.first)
        #expect(function.name == .string("Hello"))
        #expect(function.codeUri == "src/")
        #expect(function.runtime == .string("python3.12"))
        #expect(function.handler == .string("app.handler"))
        #expect(function.memorySize == 256)
        #expect(function.timeout == 10)
        #expect(function.environment.map(\.key) == ["STAGE", "SHARED", "QUEUE", "NAME"])
        #expect(function.environment.first { $0.key == "SHARED" }?.value == .string("own"))
        #expect(function.environment.first { $0.key == "QUEUE" }?.value == .getAtt("Jobs", "Arn"))
        #expect(function.layers == [.ref("Deps"), .string("arn:aws:lambda:us-east-1:000000000000:layer:other:1")])
        #expect(function.events == [
            .url(logicalId: "Web"),
            .schedule(logicalId: "Tick", expression: "rate(1 minute)", input: #"{"tick": true}"#, enabled: true, ruleName: nil),
            .sqs(logicalId: "Work", queue: .getAtt("Jobs", "Arn"), batchSize: 5, enabled: true),
        ])
    }

    @Test("lists everything it does not deploy as warnings")
    func warnings() throws {
        let warnings = try SAMTemplate.parse(Self.full).warnings
        #expect(warnings.contains("Hello.Tracing is not supported; ignored."))
        #expect(warnings.contains("Hello.Events.Bucket (S3) is not supported; not created."))
        #expect(warnings.contains("Resource Table (AWS::DynamoDB::Table) is not supported; not created."))
        #expect(warnings.contains("Jobs.Tags is not supported; ignored."))
        #expect(warnings.contains("Hello.Events.Web: served by a function URL, which takes every path and method."))
        #expect(warnings.contains("Hello.Events.Work.FunctionResponseTypes is not supported; ignored."))
        #expect(warnings.count == 6)
    }

    @Test("resolves !Ref, !GetAtt and !Sub")
    func intrinsics() throws {
        let context = ResolutionContext(
            refs: ["Stage": "dev", "AWS::Region": "eu-west-1", "Deps": "arn:layer:1"],
            attributes: ["Jobs.Arn": "arn:aws:sqs:eu-west-1:000000000000:Jobs"]
        )
        let function = try #require(try SAMTemplate.parse(Self.full).functions.first)
        let name = try #require(function.environment.first { $0.key == "NAME" }?.value)
        #expect(try context.resolve(name, at: "x") == "eu-west-1-dev-${Literal}")
        #expect(try context.resolve(.getAtt("Jobs", "Arn"), at: "x") == "arn:aws:sqs:eu-west-1:000000000000:Jobs")
        #expect(try context.resolve(.sub("${Jobs.Arn}/${X}", ["X": .ref("Stage")]), at: "x") == "arn:aws:sqs:eu-west-1:000000000000:Jobs/dev")
        #expect(try context.resolve(function.layers[0], at: "x") == "arn:layer:1")
        #expect(throws: CLIError("Invalid template: p: !Ref Nope names nothing Nimbus knows (a parameter, AWS::Region, AWS::AccountId, or a resource it creates).")) {
            try context.resolve(.ref("Nope"), at: "p")
        }
    }

    @Test("long forms of the intrinsics, and unsupported ones")
    func longForms() throws {
        let value = YAMLReader.value(try #require(try Yams_compose("""
            a: {Ref: X}
            b: {"Fn::Sub": ["${Y}", {Y: z}]}
            c: !Join [",", [a, b]]
            d: {"Fn::If": [C, a, b]}
            """)))
        #expect(value["a"] == .ref("X"))
        #expect(value["b"] == .sub("${Y}", ["Y": .string("z")]))
        #expect(value["c"] == .unsupported("!Join"))
        #expect(value["d"] == .unsupported("Fn::If"))
    }

    @Test("a syntax error names its line")
    func syntaxError() {
        let text = "Resources:\n  Hello:\n    Type: AWS::Serverless::Function\n    Properties: [unclosed\n"
        #expect {
            try SAMTemplate.parse(text)
        } throws: { error in
            (error as? CLIError)?.message.hasPrefix("Invalid template: line ") == true
        }
    }

    @Test("structural errors say where")
    func structuralErrors() {
        #expect(throws: CLIError("Invalid template: it has no Resources.")) { try SAMTemplate.parse("Transform: x\n") }
        #expect(throws: CLIError("Invalid template: Resources.F.Properties.MemorySize must be a whole number.")) {
            try SAMTemplate.parse("Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties: {MemorySize: big}\n")
        }
        #expect(throws: CLIError("Invalid template: Resources.F.Properties.CodeUri s3://b/k.zip: S3 locations are not supported; give a folder next to the template.")) {
            try SAMTemplate.parse("Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties: {CodeUri: s3://b/k.zip}\n")
        }
    }

    @Test("a function without CodeUri or FunctionName uses the template folder and its logical id")
    func defaults() throws {
        let function = try #require(try SAMTemplate.parse("Resources:\n  F:\n    Type: AWS::Serverless::Function\n").functions.first)
        #expect(function.codeUri == ".")
        #expect(function.name == .string("F"))
        #expect(function.handler == nil && function.runtime == nil && function.memorySize == nil)
    }
}

@Suite("SAM template functions")
struct TemplateFunctionTests {
    @Test("a function without Runtime/Handler gets the guess; a missing handler file is refused before anything is created")
    func guessAndCheck() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nimbus-sam-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("src"), withIntermediateDirectories: true)
        try Data("exports.handler = async () => 1\n".utf8).write(to: folder.appendingPathComponent("src/index.js"))
        let lines = Lines()
        let deployer = TemplateDeployer(client: .fromEnvironment(endpoint: nil, [:]), accountId: "000000000000", say: { lines.add($0) })
        let template = try SAMTemplate.parse("Resources:\n  Web:\n    Type: AWS::Serverless::Function\n    Properties: {CodeUri: src/}\n  Py:\n    Type: AWS::Serverless::Function\n    Properties: {CodeUri: src/, Runtime: python3.12, Handler: app.handler}\n")
        let (spec, code) = try deployer.spec(for: template.functions[0], folder: folder, context: ResolutionContext(), checkOnly: false)
        #expect((spec.name, spec.runtime, spec.handler, spec.memorySize, spec.timeout) == ("Web", "nodejs20.x", "index.handler", 128, 3))
        #expect(code.path == folder.appendingPathComponent("src/").path)
        #expect(lines.all.isEmpty)
        _ = try deployer.spec(for: template.functions[0], folder: folder, context: ResolutionContext(), checkOnly: true)
        #expect(lines.all == ["Web: using nodejs20.x with handler index.handler (found index.js)."])
        #expect(throws: CLIError("Handler app.handler needs app.py in \(code.path), which is not there. Add the file, or pass --handler naming a file in the folder.")) {
            _ = try deployer.spec(for: template.functions[1], folder: folder, context: ResolutionContext(), checkOnly: true)
        }
    }
}

/// Collects printed lines across concurrency domains.
final class Lines: Sendable {
    private let lines = Mutex<[String]>([])
    func add(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}
