/// A property value of a SAM template, with the intrinsic functions Nimbus resolves kept apart.
public indirect enum TemplateValue: Sendable, Equatable {
    case string(String)
    case list([TemplateValue])
    /// Keys in template order.
    case map([(key: String, value: TemplateValue)])
    /// `!Ref Name` / `{Ref: Name}`.
    case ref(String)
    /// `!GetAtt Name.Attr` / `{Fn::GetAtt: [Name, Attr]}`.
    case getAtt(String, String)
    /// `!Sub "text ${Name}"`, with optional extra variables.
    case sub(String, [String: TemplateValue])
    /// A construct Nimbus does not evaluate (e.g. `!If`); the name is for the warning.
    case unsupported(String)

    public static func == (lhs: TemplateValue, rhs: TemplateValue) -> Bool {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)): a == b
        case (.list(let a), .list(let b)): a == b
        case (.map(let a), .map(let b)): a.map(\.key) == b.map(\.key) && a.map(\.value) == b.map(\.value)
        case (.ref(let a), .ref(let b)): a == b
        case (.getAtt(let a, let x), .getAtt(let b, let y)): a == b && x == y
        case (.sub(let a, let x), .sub(let b, let y)): a == b && x == y
        case (.unsupported(let a), .unsupported(let b)): a == b
        default: false
        }
    }

    /// The value for `key` in a map.
    public subscript(key: String) -> TemplateValue? {
        guard case .map(let pairs) = self else { return nil }
        return pairs.first { $0.key == key }?.value
    }

    /// The keys of a map, in template order.
    var keys: [String] {
        guard case .map(let pairs) = self else { return [] }
        return pairs.map(\.key)
    }

    /// A plain string (numbers and booleans are scalars too), without intrinsics.
    var literal: String? {
        if case .string(let text) = self { return text }
        return nil
    }
}

/// What `!Ref` and `!GetAtt` stand for while a template deploys.
public struct ResolutionContext: Sendable {
    /// `Ref` values: parameters, pseudo parameters, and resources once created.
    public var refs: [String: String] = [:]
    /// `GetAtt` values, keyed `Logical.Attribute`.
    public var attributes: [String: String] = [:]

    public init(refs: [String: String] = [:], attributes: [String: String] = [:]) {
        self.refs = refs
        self.attributes = attributes
    }

    /// The string a value stands for; an error names what could not be resolved.
    public func resolve(_ value: TemplateValue, at path: String) throws(CLIError) -> String {
        switch value {
        case .string(let text):
            return text
        case .ref(let name):
            guard let resolved = refs[name] else {
                throw CLIError("Invalid template: \(path): !Ref \(name) names nothing Nimbus knows (a parameter, AWS::Region, AWS::AccountId, or a resource it creates).")
            }
            return resolved
        case .getAtt(let name, let attribute):
            guard let resolved = attributes["\(name).\(attribute)"] else {
                throw CLIError("Invalid template: \(path): !GetAtt \(name).\(attribute) is not supported (Nimbus knows a queue's or function's Arn, and a queue's QueueName/QueueUrl).")
            }
            return resolved
        case .sub(let text, let variables):
            return try substitute(text, variables: variables, at: path)
        case .list, .map:
            throw CLIError("Invalid template: \(path) must be a string.")
        case .unsupported(let name):
            throw CLIError("Invalid template: \(path): \(name) is not supported by Nimbus (only !Ref, !GetAtt and !Sub).")
        }
    }

    /// `Fn::Sub`: `${Name}` and `${Name.Attr}` replaced, `${!Text}` kept literally as `${Text}`.
    func substitute(_ text: String, variables: [String: TemplateValue], at path: String) throws(CLIError) -> String {
        var output = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            output += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                throw CLIError("Invalid template: \(path): unterminated ${ in !Sub \"\(text)\".")
            }
            let name = String(rest[start.upperBound..<end])
            if name.hasPrefix("!") {
                output += "${" + name.dropFirst() + "}"
            } else if let variable = variables[name] {
                output += try resolve(variable, at: path)
            } else if let dot = name.firstIndex(of: "."), refs[name] == nil {
                output += try resolve(.getAtt(String(name[..<dot]), String(name[name.index(after: dot)...])), at: path)
            } else {
                output += try resolve(.ref(name), at: path)
            }
            rest = rest[rest.index(after: end)...]
        }
        return output + rest
    }
}
