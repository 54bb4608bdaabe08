import Yams

/// Turns YAML (or JSON) template text into ``TemplateValue``s, reading the short
/// (`!Ref`) and long (`Ref:`, `Fn::GetAtt:`, `Fn::Sub:`) forms of the intrinsics.
enum YAMLReader {
    /// Parses the text; syntax errors name their line.
    static func read(_ text: String) throws(CLIError) -> TemplateValue {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw CLIError("Invalid template: \(describe(error))")
        } catch {
            throw CLIError("Invalid template: \(error)")
        }
        guard let node else { throw CLIError("Invalid template: the file is empty.") }
        return value(node)
    }

    /// Yams's message, reduced to `line N, column M: problem`.
    static func describe(_ error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let prefix = context.map { "\($0.text) " } ?? ""
            return "line \(mark.line), column \(mark.column): \(prefix)\(problem)"
        default:
            return error.description
        }
    }

    static func value(_ node: Node) -> TemplateValue {
        let tag = node.tag.rawValue
        switch node {
        case .scalar(let scalar):
            switch tag {
            case "!Ref": return .ref(scalar.string)
            case "!GetAtt": return getAtt(.string(scalar.string))
            case "!Sub": return .sub(scalar.string, [:])
            default:
                return tag.hasPrefix("!") && tag != "!" ? .unsupported(tag) : .string(scalar.string)
            }
        case .sequence(let sequence):
            let items = TemplateValue.list(sequence.map(value))
            switch tag {
            case "!GetAtt": return getAtt(items)
            case "!Sub": return sub(items)
            default: return tag.hasPrefix("!") && tag != "!" ? .unsupported(tag) : items
            }
        case .mapping(let mapping):
            if tag.hasPrefix("!") && tag != "!" { return .unsupported(tag) }
            let pairs = mapping.map { (key: $0.key.string ?? "", value: value($0.value)) }
            if pairs.count == 1, let pair = pairs.first {
                switch pair.key {
                case "Ref": if let name = pair.value.literal { return .ref(name) }
                case "Fn::GetAtt": return getAtt(pair.value)
                case "Fn::Sub": return sub(pair.value)
                default: if pair.key.hasPrefix("Fn::") { return .unsupported(pair.key) }
                }
            }
            return .map(pairs)
        case .alias:
            return .unsupported("a YAML alias")
        }
    }

    /// `Name.Attr` or `[Name, Attr]`.
    static func getAtt(_ argument: TemplateValue) -> TemplateValue {
        switch argument {
        case .string(let text):
            guard let dot = text.firstIndex(of: ".") else { return .unsupported("!GetAtt \(text)") }
            return .getAtt(String(text[..<dot]), String(text[text.index(after: dot)...]))
        case .list(let items) where items.count == 2:
            if let name = items[0].literal, let attribute = items[1].literal { return .getAtt(name, attribute) }
            return .unsupported("!GetAtt")
        default:
            return .unsupported("!GetAtt")
        }
    }

    /// `"text"` or `["text", {Var: value}]`.
    static func sub(_ argument: TemplateValue) -> TemplateValue {
        switch argument {
        case .string(let text): return .sub(text, [:])
        case .list(let items) where items.count == 2:
            guard let text = items[0].literal, case .map(let pairs) = items[1] else { return .unsupported("!Sub") }
            return .sub(text, Dictionary(pairs.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a }))
        default:
            return .unsupported("!Sub")
        }
    }
}
