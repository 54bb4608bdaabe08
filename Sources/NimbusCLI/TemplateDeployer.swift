import Foundation

/// Deploys a SAM template through Nimbus's APIs: layers, then queues, then functions and their events.
///
/// Every step is an ordinary API call (Lambda, SQS, EventBridge), so a template deploys
/// exactly what the aws CLI could have created by hand. Re-deploying updates functions in
/// place, keeps existing URLs and event source mappings, and publishes new layer versions.
public struct TemplateDeployer: Sendable {
    public var client: NimbusClient
    public var say: @Sendable (String) -> Void
    /// `AWS::AccountId` for `!Sub`/`!Ref` (the server's account; the CLI cannot ask it).
    public var accountId: String

    public init(client: NimbusClient, accountId: String, say: @escaping @Sendable (String) -> Void) {
        self.client = client
        self.accountId = accountId
        self.say = say
    }

    /// Parses and deploys the template at `file`; CodeUri/ContentUri are relative to its folder.
    public func deploy(file: URL) async throws(CLIError) {
        guard let text = try? String(contentsOf: file, encoding: .utf8) else {
            throw CLIError("Cannot read \(file.path). Pass --template with the path of a SAM template.")
        }
        let template = try SAMTemplate.parse(text)
        let folder = file.deletingLastPathComponent()
        for warning in template.warnings { say("Warning: \(warning)") }
        // Check every function's code before creating anything.
        var context = ResolutionContext(refs: template.parameters)
        context.refs["AWS::Region"] = client.region
        context.refs["AWS::AccountId"] = accountId
        context.refs["AWS::Partition"] = "aws"
        context.refs["AWS::StackName"] = folder.lastPathComponent
        for function in template.functions {
            _ = try spec(for: function, folder: folder, context: context, checkOnly: true)
        }
        let functions = FunctionDeployer(client: client, say: say)
        for layer in template.layers {
            let package = try Packager.package(folder.appendingPathComponent(layer.contentUri))
            var body: [String: Any] = ["Content": ["ZipFile": package.zip.base64EncodedString()]]
            if !layer.compatibleRuntimes.isEmpty { body["CompatibleRuntimes"] = layer.compatibleRuntimes }
            if let description = layer.description { body["Description"] = description }
            let response = try await client.lambda(
                "POST", "/2018-10-31/layers/\(NimbusClient.segment(layer.name))/versions", json: body
            )
            let arn = response.json["LayerVersionArn"] as? String ?? ""
            context.refs[layer.logicalId] = arn
            say("Layer \(layer.logicalId): published \(arn) (\(Packager.describe(files: package.fileCount, bytes: package.byteCount)))")
        }
        for queue in template.queues {
            var body: [String: Any] = ["QueueName": queue.name]
            if !queue.attributes.isEmpty { body["Attributes"] = queue.attributes }
            let created = try await client.jsonProtocol(service: "sqs", target: "AmazonSQS.CreateQueue", version: "1.0", body)
            let url = created["QueueUrl"] as? String ?? ""
            let attributes = try await client.jsonProtocol(
                service: "sqs", target: "AmazonSQS.GetQueueAttributes", version: "1.0",
                ["QueueUrl": url, "AttributeNames": ["QueueArn"]]
            )
            let arn = (attributes["Attributes"] as? [String: String])?["QueueArn"] ?? ""
            context.refs[queue.logicalId] = url
            context.attributes["\(queue.logicalId).Arn"] = arn
            context.attributes["\(queue.logicalId).QueueName"] = queue.name
            context.attributes["\(queue.logicalId).QueueUrl"] = url
            say("Queue \(queue.logicalId): \(arn)")
        }
        for function in template.functions {
            let (spec, code) = try spec(for: function, folder: folder, context: context, checkOnly: false)
            let arn = try await functions.deploy(spec, folder: code)
            context.refs[function.logicalId] = spec.name
            context.attributes["\(function.logicalId).Arn"] = arn
            say("Function \(function.logicalId): \(arn)")
            for event in function.events {
                try await deploy(event, function: function.logicalId, name: spec.name, arn: arn, context: context)
            }
        }
        say("Done: \(template.functions.count) function\(template.functions.count == 1 ? "" : "s"), \(template.layers.count) layer\(template.layers.count == 1 ? "" : "s"), \(template.queues.count) queue\(template.queues.count == 1 ? "" : "s").")
    }

    /// The function's resolved configuration and code folder; checks the handler file exists.
    func spec(
        for function: SAMTemplate.Function, folder: URL, context: ResolutionContext, checkOnly: Bool
    ) throws(CLIError) -> (FunctionSpec, URL) {
        let path = "Resources.\(function.logicalId).Properties"
        let code = folder.appendingPathComponent(function.codeUri)
        let guess = Packager.guess(in: code)
        let givenRuntime = try function.runtime.map { v throws(CLIError) in try context.resolve(v, at: "\(path).Runtime") }
        let givenHandler = try function.handler.map { v throws(CLIError) in try context.resolve(v, at: "\(path).Handler") }
        let runtime: String
        let handler: String
        if let givenRuntime, let givenHandler {
            (runtime, handler) = (givenRuntime, givenHandler)
        } else {
            guard let guess else {
                throw CLIError("\(function.logicalId): no Runtime/Handler in the template and nothing to guess from in \(code.path) (app.py, index.mjs or bootstrap). Add Runtime and Handler.")
            }
            runtime = givenRuntime ?? guess.runtime
            handler = givenHandler ?? guess.handler
            if checkOnly { say("\(function.logicalId): using \(runtime) with handler \(handler) (\(guess.reason)).") }
        }
        try Packager.checkHandler(handler, runtime: runtime, in: code)
        if checkOnly { return (FunctionSpec(name: "", runtime: runtime, handler: handler), code) }
        var environment: [String: String] = [:]
        for pair in function.environment {
            environment[pair.key] = try context.resolve(pair.value, at: "\(path).Environment.Variables.\(pair.key)")
        }
        var layers: [String] = []
        for (index, layer) in function.layers.enumerated() {
            layers.append(try context.resolve(layer, at: "\(path).Layers[\(index)]"))
        }
        let spec = FunctionSpec(
            name: try context.resolve(function.name, at: "\(path).FunctionName"), runtime: runtime, handler: handler,
            memorySize: function.memorySize ?? 128, timeout: function.timeout ?? 3, environment: environment,
            layers: layers,
            description: try function.description.map { v throws(CLIError) in try context.resolve(v, at: "\(path).Description") } ?? ""
        )
        return (spec, code)
    }

    func deploy(
        _ event: SAMTemplate.Event, function logicalId: String, name: String, arn: String, context: ResolutionContext
    ) async throws(CLIError) {
        let segment = NimbusClient.segment(name)
        switch event {
        case .url(let eventId):
            var response = try await client.lambda(
                "POST", "/2021-10-31/functions/\(segment)/url", json: ["AuthType": "NONE"], allowErrors: true
            )
            if response.status == 409 {
                response = try await client.lambda("GET", "/2021-10-31/functions/\(segment)/url")
            } else if response.status >= 400 {
                throw NimbusClient.error(response)
            }
            say("\(logicalId).\(eventId): URL \(response.json["FunctionUrl"] as? String ?? "?")")
        case .schedule(let eventId, let expression, let input, let enabled, let ruleName):
            let rule = ruleName ?? String("\(name)-\(eventId)".prefix(64))
            _ = try await client.jsonProtocol(
                service: "events", target: "AWSEvents.PutRule", version: "1.1",
                ["Name": rule, "ScheduleExpression": expression, "State": enabled ? "ENABLED" : "DISABLED"]
            )
            var target: [String: Any] = ["Id": String("\(logicalId)\(eventId)".prefix(64)), "Arn": arn]
            if let input { target["Input"] = input }
            _ = try await client.jsonProtocol(
                service: "events", target: "AWSEvents.PutTargets", version: "1.1", ["Rule": rule, "Targets": [target]]
            )
            say("\(logicalId).\(eventId): rule \(rule), \(expression)\(enabled ? "" : " (disabled)")")
        case .sqs(let eventId, let queue, let batchSize, let enabled):
            let queueArn = try context.resolve(queue, at: "Resources.\(logicalId).Properties.Events.\(eventId).Properties.Queue")
            let query = "EventSourceArn=\(NimbusClient.segment(queueArn))&FunctionName=\(segment)"
            let existing = try await client.lambda("GET", "/2015-03-31/event-source-mappings/", query: query)
            if let mapping = (existing.json["EventSourceMappings"] as? [[String: Any]])?.first {
                say("\(logicalId).\(eventId): \(queueArn) already mapped (\(mapping["UUID"] as? String ?? "?"))")
                return
            }
            var body: [String: Any] = ["EventSourceArn": queueArn, "FunctionName": name, "Enabled": enabled]
            if let batchSize { body["BatchSize"] = batchSize }
            let created = try await client.lambda("POST", "/2015-03-31/event-source-mappings/", json: body)
            say("\(logicalId).\(eventId): \(queueArn) → \(name) (mapping \(created.json["UUID"] as? String ?? "?"))")
        }
    }
}
