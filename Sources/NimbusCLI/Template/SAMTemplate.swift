import Foundation

/// The parts of an AWS SAM template that Nimbus deploys, with warnings for everything else.
public struct SAMTemplate: Sendable {
    public var parameters: [String: String] = [:]
    public var layers: [Layer] = []
    public var queues: [Queue] = []
    public var functions: [Function] = []
    /// What the template asks for that Nimbus does not do; printed, never silently dropped.
    public var warnings: [String] = []

    /// `AWS::Serverless::LayerVersion`.
    public struct Layer: Sendable, Equatable {
        public var logicalId: String
        public var name: String
        public var contentUri: String
        public var compatibleRuntimes: [String]
        public var description: String?
    }

    /// `AWS::SQS::Queue`.
    public struct Queue: Sendable, Equatable {
        public var logicalId: String
        public var name: String
        /// SQS attributes from the template (`VisibilityTimeout`, ...), as strings.
        public var attributes: [String: String]
    }

    /// `AWS::Serverless::Function`, with `Globals.Function` merged in.
    public struct Function: Sendable, Equatable {
        public var logicalId: String
        public var name: TemplateValue
        public var codeUri: String
        public var handler: TemplateValue?
        public var runtime: TemplateValue?
        public var memorySize: Int?
        public var timeout: Int?
        public var description: TemplateValue?
        public var environment: [(key: String, value: TemplateValue)] = []
        public var layers: [TemplateValue] = []
        public var events: [Event] = []

        public static func == (lhs: Function, rhs: Function) -> Bool {
            lhs.logicalId == rhs.logicalId && lhs.name == rhs.name && lhs.codeUri == rhs.codeUri
                && lhs.handler == rhs.handler && lhs.runtime == rhs.runtime && lhs.memorySize == rhs.memorySize
                && lhs.timeout == rhs.timeout && lhs.environment.map(\.key) == rhs.environment.map(\.key)
                && lhs.environment.map(\.value) == rhs.environment.map(\.value) && lhs.layers == rhs.layers
                && lhs.events == rhs.events
        }
    }

    /// A function's event source.
    public enum Event: Sendable, Equatable {
        /// `Api` or `HttpApi`: served by a function URL with AuthType NONE.
        case url(logicalId: String)
        /// `Schedule`: an EventBridge rule and a target.
        case schedule(logicalId: String, expression: String, input: String?, enabled: Bool, ruleName: String?)
        /// `SQS`: an event source mapping.
        case sqs(logicalId: String, queue: TemplateValue, batchSize: Int?, enabled: Bool)
    }
}

extension SAMTemplate {
    static let functionProperties: Set<String> = [
        "CodeUri", "Handler", "Runtime", "MemorySize", "Timeout", "Environment", "Layers", "Events", "FunctionName",
        "Description",
    ]
    static let queueAttributeNames: Set<String> = [
        "DelaySeconds", "MaximumMessageSize", "MessageRetentionPeriod", "ReceiveMessageWaitTimeSeconds",
        "VisibilityTimeout",
    ]

    /// Parses template text. `CodeUri`/`ContentUri` stay as written (relative to the template's folder).
    public static func parse(_ text: String) throws(CLIError) -> SAMTemplate {
        let root = try YAMLReader.read(text)
        guard case .map = root else { throw CLIError("Invalid template: the top level must be a mapping.") }
        var template = SAMTemplate()
        for key in root.keys where !["AWSTemplateFormatVersion", "Transform", "Description", "Globals", "Parameters", "Resources", "Outputs", "Metadata"].contains(key) {
            template.warnings.append("Top-level section \(key) is not supported; ignored.")
        }
        if root["Outputs"] != nil { template.warnings.append("Outputs are not evaluated; Nimbus prints what it created instead.") }
        for name in root["Parameters"]?.keys ?? [] {
            if let value = root["Parameters"]?[name]?["Default"]?.literal { template.parameters[name] = value }
        }
        let globals = root["Globals"]?["Function"] ?? .map([])
        for key in root["Globals"]?.keys ?? [] where key != "Function" {
            template.warnings.append("Globals.\(key) is not supported; ignored.")
        }
        for key in globals.keys where !functionProperties.contains(key) {
            template.warnings.append("Globals.Function.\(key) is not supported; ignored.")
        }
        guard let resources = root["Resources"], case .map(let pairs) = resources, !pairs.isEmpty else {
            throw CLIError("Invalid template: it has no Resources.")
        }
        for (logicalId, resource) in pairs {
            let type = resource["Type"]?.literal ?? ""
            let properties = resource["Properties"] ?? .map([])
            for key in resource.keys where key != "Type" && key != "Properties" && !type.isEmpty {
                template.warnings.append("Resource \(logicalId): \(key) is not supported; ignored.")
            }
            switch type {
            case "AWS::Serverless::Function":
                template.functions.append(try function(logicalId, properties, globals: globals, warnings: &template.warnings))
            case "AWS::Serverless::LayerVersion":
                template.layers.append(try layer(logicalId, properties, warnings: &template.warnings))
            case "AWS::SQS::Queue":
                template.queues.append(queue(logicalId, properties, warnings: &template.warnings))
            case "":
                throw CLIError("Invalid template: resource \(logicalId) has no Type.")
            default:
                template.warnings.append("Resource \(logicalId) (\(type)) is not supported; not created.")
            }
        }
        return template
    }

    static func integer(_ value: TemplateValue?, _ path: String) throws(CLIError) -> Int? {
        guard let value else { return nil }
        guard let text = value.literal, let number = Int(text) else {
            throw CLIError("Invalid template: \(path) must be a whole number.")
        }
        return number
    }

    static func function(
        _ logicalId: String, _ own: TemplateValue, globals: TemplateValue, warnings: inout [String]
    ) throws(CLIError) -> Function {
        for key in own.keys where !functionProperties.contains(key) {
            warnings.append("\(logicalId).\(key) is not supported; ignored.")
        }
        func property(_ key: String) -> TemplateValue? { own[key] ?? globals[key] }
        let path = "Resources.\(logicalId).Properties"
        var codeUri = "."
        if let value = property("CodeUri") {
            guard let text = value.literal else {
                throw CLIError("Invalid template: \(path).CodeUri must be a folder path (S3 locations are not supported).")
            }
            guard !text.hasPrefix("s3://") else {
                throw CLIError("Invalid template: \(path).CodeUri \(text): S3 locations are not supported; give a folder next to the template.")
            }
            codeUri = text
        }
        var function = Function(
            logicalId: logicalId, name: own["FunctionName"] ?? .string(logicalId), codeUri: codeUri,
            handler: property("Handler"), runtime: property("Runtime"),
            memorySize: try integer(property("MemorySize"), "\(path).MemorySize"),
            timeout: try integer(property("Timeout"), "\(path).Timeout"),
            description: property("Description")
        )
        // Globals' variables first, the function's own override them (SAM's merge).
        for source in [globals, own] {
            guard let variables = source["Environment"]?["Variables"], case .map(let pairs) = variables else { continue }
            for pair in pairs {
                function.environment.removeAll { $0.key == pair.key }
                function.environment.append(pair)
            }
        }
        if let layers = property("Layers") {
            guard case .list(let items) = layers else { throw CLIError("Invalid template: \(path).Layers must be a list.") }
            function.layers = items
        }
        for (eventId, event) in pairsOf(own["Events"]) {
            let type = event["Type"]?.literal ?? ""
            let properties = event["Properties"] ?? .map([])
            let understood: Set<String> = switch type {
            case "Api", "HttpApi": ["Path", "Method"]
            case "Schedule": ["Schedule", "Input", "Enabled", "State", "Name"]
            case "SQS": ["Queue", "BatchSize", "Enabled"]
            default: []
            }
            if !understood.isEmpty {
                for key in properties.keys where !understood.contains(key) {
                    warnings.append("\(logicalId).Events.\(eventId).\(key) is not supported; ignored.")
                }
            }
            switch type {
            case "Api", "HttpApi":
                function.events.append(.url(logicalId: eventId))
                if properties["Path"] != nil || properties["Method"] != nil {
                    warnings.append("\(logicalId).Events.\(eventId): served by a function URL, which takes every path and method.")
                }
            case "Schedule":
                guard let expression = properties["Schedule"]?.literal else {
                    throw CLIError("Invalid template: \(path).Events.\(eventId).Properties.Schedule is required (rate(...) or cron(...)).")
                }
                let enabled = properties["Enabled"]?.literal.map { $0.lowercased() != "false" } ?? (properties["State"]?.literal != "DISABLED")
                function.events.append(
                    .schedule(logicalId: eventId, expression: expression, input: properties["Input"]?.literal, enabled: enabled, ruleName: properties["Name"]?.literal)
                )
            case "SQS":
                guard let queue = properties["Queue"] else {
                    throw CLIError("Invalid template: \(path).Events.\(eventId).Properties.Queue is required.")
                }
                let enabled = properties["Enabled"]?.literal.map { $0.lowercased() != "false" } ?? true
                function.events.append(
                    .sqs(logicalId: eventId, queue: queue, batchSize: try integer(properties["BatchSize"], "\(path).Events.\(eventId).Properties.BatchSize"), enabled: enabled)
                )
            default:
                warnings.append("\(logicalId).Events.\(eventId) (\(type.isEmpty ? "no Type" : type)) is not supported; not created.")
            }
        }
        return function
    }

    static func layer(_ logicalId: String, _ properties: TemplateValue, warnings: inout [String]) throws(CLIError) -> Layer {
        for key in properties.keys where !["LayerName", "ContentUri", "CompatibleRuntimes", "Description", "RetentionPolicy"].contains(key) {
            warnings.append("\(logicalId).\(key) is not supported; ignored.")
        }
        guard let contentUri = properties["ContentUri"]?.literal, !contentUri.hasPrefix("s3://") else {
            throw CLIError("Invalid template: Resources.\(logicalId).Properties.ContentUri must be a folder next to the template.")
        }
        var runtimes: [String] = []
        if case .list(let items) = properties["CompatibleRuntimes"] { runtimes = items.compactMap(\.literal) }
        return Layer(
            logicalId: logicalId, name: properties["LayerName"]?.literal ?? logicalId, contentUri: contentUri,
            compatibleRuntimes: runtimes, description: properties["Description"]?.literal
        )
    }

    static func queue(_ logicalId: String, _ properties: TemplateValue, warnings: inout [String]) -> Queue {
        var attributes: [String: String] = [:]
        for key in properties.keys where key != "QueueName" {
            if queueAttributeNames.contains(key), let value = properties[key]?.literal {
                attributes[key] = value
            } else {
                warnings.append("\(logicalId).\(key) is not supported; ignored.")
            }
        }
        return Queue(logicalId: logicalId, name: properties["QueueName"]?.literal ?? logicalId, attributes: attributes)
    }

    static func pairsOf(_ value: TemplateValue?) -> [(key: String, value: TemplateValue)] {
        if case .map(let pairs) = value { return pairs }
        return []
    }
}
