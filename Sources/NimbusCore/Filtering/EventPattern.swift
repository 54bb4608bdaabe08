/// One filter's `Pattern`: an EventBridge-style event pattern, parsed and validated.
///
/// Lambda "supports the same set of syntax and rules as Amazon EventBridge"
/// (invocation-eventfiltering.md, "Filter rule syntax"). Supported here:
///
/// 1. Exact values in a field's array: strings, numbers, `true`/`false`, `null`, `""`.
///    A field's array is an OR of its rules; the fields of an object are an AND.
/// 2. `{"prefix": s}`, `{"suffix": s}` (each also as `{"equals-ignore-case": s}`), and
///    `{"equals-ignore-case": s}`.
/// 3. `{"anything-but": v | [v, ...] | {"prefix": s} | {"suffix": s} | {"equals-ignore-case": s | [s, ...]}}`,
///    where `v` are all strings or all numbers.
/// 4. `{"numeric": [op, n]}` or a range `{"numeric": [">"|">=", lo, "<"|"<=", hi]}` (either
///    order, `lo < hi`); `op` is one of `<`, `<=`, `=`, `>`, `>=`.
/// 5. `{"exists": true|false}`.
/// 6. Nested objects, and `"$or": [pattern, pattern, ...]` (two or more) at any level.
///
/// Anything else is refused with AWS's error for an invalid pattern on
/// CreateEventSourceMapping/UpdateEventSourceMapping: `InvalidParameterValueException`,
/// "Invalid filter pattern definition." (recorded against AWS in esm_sqs.snapshot.json,
/// `test_sqs_invalid_event_filter[...]`: the patterns `null`, `simple string`,
/// `{"eventSource": "aws:sqs"}` and `{"eventSource": []}`, and in
/// esm_dynamodbstreams.snapshot.json, `test_dynamodb_invalid_event_filter[...]`).
public struct EventPattern: Sendable, Equatable {
    /// botocore's `Pattern` shape: at most 4096 characters (API_Filter.md).
    public static let maximumLength = 4096

    /// The pattern's text, as the caller gave it (AWS echoes it back verbatim).
    public let text: String
    let root: ObjectPattern

    /// Parses and validates a pattern's JSON text (the first filter's, for error messages).
    public init(json text: String) throws(LambdaError) {
        try self.init(json: text, position: 1)
    }

    /// Parses and validates the pattern of the `position`th filter (1-based, as AWS counts
    /// list members in validation messages).
    ///
    /// A pattern longer than 4096 characters (UTF-16 units, as AWS's Java service counts)
    /// fails the model's length constraint, a `ValidationException` in AWS's standard
    /// wording, before its content is looked at.
    public init(json text: String, position: Int) throws(LambdaError) {
        if text.utf16.count > Self.maximumLength {
            var errors = ValidationErrors()
            errors.add(value: text, at: "filterCriteria.filters.\(position).member.pattern",
                       constraint: "Member must have length less than or equal to \(Self.maximumLength)")
            try errors.throwIfAny()
        }
        guard let document = JSONValue.parse(text), case .object(let members) = document,
              let root = ObjectPattern(members) else {
            throw Self.invalid
        }
        self.text = text
        self.root = root
    }

    /// AWS's answer to any pattern it cannot compile.
    public static let invalid = LambdaError(.invalidParameterValue, "Invalid filter pattern definition.")

    /// The top-level keys a pattern constrains, `$or` branches included.
    var topLevelFields: [(String, FieldPattern)] { root.allFields }
}

/// An object level of a pattern: every field must match, and one branch of `$or` if present.
struct ObjectPattern: Sendable, Equatable {
    var fields: [String: FieldPattern]
    var alternatives: [ObjectPattern]?

    init?(_ members: [String: JSONValue]) {
        guard !members.isEmpty else { return nil }
        var fields: [String: FieldPattern] = [:]
        for (key, value) in members {
            if key == "$or" {
                guard case .array(let branches) = value, branches.count >= 2 else { return nil }
                var parsed: [ObjectPattern] = []
                for branch in branches {
                    guard case .object(let branchMembers) = branch, let pattern = ObjectPattern(branchMembers) else { return nil }
                    parsed.append(pattern)
                }
                alternatives = parsed
                continue
            }
            switch value {
            case .object(let nested):
                guard let pattern = ObjectPattern(nested) else { return nil }
                fields[key] = .nested(pattern)
            case .array(let elements):
                guard !elements.isEmpty else { return nil }
                var rules: [Rule] = []
                for element in elements {
                    guard let rule = Rule(element) else { return nil }
                    rules.append(rule)
                }
                fields[key] = .rules(rules)
            default:
                return nil
            }
        }
        self.fields = fields
    }

    /// This level's fields and those of its `$or` branches (not deeper levels).
    var allFields: [(String, FieldPattern)] {
        fields.map { ($0.key, $0.value) } + (alternatives ?? []).flatMap(\.allFields)
    }
}

/// What a pattern says about one key: a nested object pattern or a list of rules (OR).
enum FieldPattern: Sendable, Equatable {
    indirect case nested(ObjectPattern)
    case rules([Rule])
}

/// One entry of a field's rule array.
enum Rule: Sendable, Equatable {
    /// An exact leaf value (string, number as written, boolean or null).
    case exact(JSONValue)
    case prefix(String, ignoringCase: Bool)
    case suffix(String, ignoringCase: Bool)
    case equalsIgnoreCase(String)
    case anythingBut(AnythingBut)
    case numeric(NumericRange)
    case exists(Bool)

    init?(_ element: JSONValue) {
        switch element {
        case .array:
            return nil
        case .object(let members):
            guard members.count == 1, let (name, argument) = members.first else { return nil }
            switch name {
            case "prefix":
                guard let (text, ignoringCase) = Self.affix(argument) else { return nil }
                self = .prefix(text, ignoringCase: ignoringCase)
            case "suffix":
                guard let (text, ignoringCase) = Self.affix(argument) else { return nil }
                self = .suffix(text, ignoringCase: ignoringCase)
            case "equals-ignore-case":
                guard case .string(let text) = argument else { return nil }
                self = .equalsIgnoreCase(text)
            case "anything-but":
                guard let rule = AnythingBut(argument) else { return nil }
                self = .anythingBut(rule)
            case "numeric":
                guard let range = NumericRange(argument) else { return nil }
                self = .numeric(range)
            case "exists":
                guard case .bool(let flag) = argument else { return nil }
                self = .exists(flag)
            default:
                return nil
            }
        default:
            self = .exact(element)
        }
    }

    /// `"text"` or `{"equals-ignore-case": "text"}`, the argument of prefix and suffix.
    private static func affix(_ argument: JSONValue) -> (String, Bool)? {
        switch argument {
        case .string(let text): return (text, false)
        case .object(let members):
            guard members.count == 1, case .string(let text)? = members["equals-ignore-case"] else { return nil }
            return (text, true)
        default: return nil
        }
    }
}

/// The argument of `anything-but`.
enum AnythingBut: Sendable, Equatable {
    /// None of these strings or numbers (all of one type).
    case values([JSONValue])
    case prefix(String)
    case suffix(String)
    case equalsIgnoreCase([String])

    init?(_ argument: JSONValue) {
        switch argument {
        case .string, .number:
            self = .values([argument])
        case .array(let elements):
            let allStrings = elements.allSatisfy { if case .string = $0 { true } else { false } }
            let allNumbers = elements.allSatisfy { if case .number = $0 { true } else { false } }
            guard !elements.isEmpty, allStrings || allNumbers else { return nil }
            self = .values(elements)
        case .object(let members):
            guard members.count == 1, let (name, value) = members.first else { return nil }
            switch (name, value) {
            case ("prefix", .string(let text)): self = .prefix(text)
            case ("suffix", .string(let text)): self = .suffix(text)
            case ("equals-ignore-case", .string(let text)): self = .equalsIgnoreCase([text])
            case ("equals-ignore-case", .array(let elements)):
                let texts = elements.compactMap { if case .string(let text) = $0 { text } else { nil } }
                guard !texts.isEmpty, texts.count == elements.count else { return nil }
                self = .equalsIgnoreCase(texts)
            default: return nil
            }
        default:
            return nil
        }
    }
}

/// The interval a `numeric` rule accepts: each bound optional, open or closed.
struct NumericRange: Sendable, Equatable {
    var lower: (value: Double, inclusive: Bool)?
    var upper: (value: Double, inclusive: Bool)?

    static func == (a: NumericRange, b: NumericRange) -> Bool {
        a.lower?.value == b.lower?.value && a.lower?.inclusive == b.lower?.inclusive
            && a.upper?.value == b.upper?.value && a.upper?.inclusive == b.upper?.inclusive
    }

    /// `[op, n]`, or `[lowerOp, lo, upperOp, hi]` in either order; `=` stands alone.
    init?(_ argument: JSONValue) {
        guard case .array(let elements) = argument, elements.count == 2 || elements.count == 4 else { return nil }
        var index = 0
        while index < elements.count {
            guard case .string(let op) = elements[index], let value = elements[index + 1].doubleValue,
                  value.isFinite else { return nil }
            switch op {
            case "=":
                guard elements.count == 2 else { return nil }
                lower = (value, true)
                upper = (value, true)
            case ">", ">=":
                guard lower == nil else { return nil }
                lower = (value, op == ">=")
            case "<", "<=":
                guard upper == nil else { return nil }
                upper = (value, op == "<=")
            default:
                return nil
            }
            index += 2
        }
        if elements.count == 4, let lower, let upper, lower.value >= upper.value { return nil }
    }

    func contains(_ number: Double) -> Bool {
        if let lower, lower.inclusive ? number < lower.value : number <= lower.value { return false }
        if let upper, upper.inclusive ? number > upper.value : number >= upper.value { return false }
        return true
    }
}
