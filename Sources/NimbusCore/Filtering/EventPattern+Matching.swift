/// Matching an event against a pattern.
///
/// The rules, EventBridge's as Lambda describes them (invocation-eventfiltering.md):
///
/// 1. Every field a pattern names must match ("the event must contain all the field names
///    included in a filter"); fields the pattern does not name are ignored.
/// 2. A field's rule array matches when any one rule matches (OR).
/// 3. An array in the event matches when any of its elements matches. Nested arrays are
///    flattened. An empty array counts as an absent field.
/// 4. An absent field fails every rule except `{"exists": false}`; `anything-but` too needs
///    the field to be there (it says what the value is not, not that there is none).
/// 5. Rules compare with leaf values (string, number, boolean, null) only. A rule array
///    against an object, or a nested pattern against a leaf, does not match. This is also
///    Lambda's "format mismatch" rule for SQS `body` and Kinesis `data`: a plain-string
///    pattern for a JSON body, or a JSON pattern for a plain-string body, drops the record.
/// 6. Strings compare byte for byte (no case folding or Unicode normalization) except in
///    `equals-ignore-case`; exact numbers compare by their written text (`300` is not
///    `300.0`); `numeric` compares values and matches numbers only, never strings.
extension EventPattern {
    /// Whether `event` satisfies this pattern.
    public func matches(_ event: JSONValue) -> Bool {
        root.matches(event)
    }
}

extension ObjectPattern {
    /// Matches this object level against the value found at its place (nil when absent).
    func matches(_ value: JSONValue?) -> Bool {
        switch value {
        case nil:
            return matchesMembers(nil)
        case .object(let members)?:
            return matchesMembers(members)
        case .array(let elements)?:
            if elements.isEmpty { return matchesMembers(nil) }
            return elements.contains { element in
                if case .array = element { return matches(element) }
                if case .object(let members) = element { return matchesMembers(members) }
                return false
            }
        case _?:
            return false
        }
    }

    private func matchesMembers(_ members: [String: JSONValue]?) -> Bool {
        for (key, field) in fields where !field.matches(members?[key]) { return false }
        if let alternatives, !alternatives.contains(where: { $0.matchesMembers(members) }) { return false }
        return true
    }
}

extension FieldPattern {
    func matches(_ value: JSONValue?) -> Bool {
        switch self {
        case .nested(let pattern):
            return pattern.matches(value)
        case .rules(let rules):
            guard let value else { return rules.contains(.exists(false)) }
            switch value {
            case .object:
                return false
            case .array:
                var leaves: [JSONValue] = []
                var sawObject = false
                Self.collectLeaves(value, into: &leaves, sawObject: &sawObject)
                if leaves.isEmpty { return sawObject ? false : rules.contains(.exists(false)) }
                return leaves.contains { leaf in rules.contains { $0.matches(leaf) } }
            default:
                return rules.contains { $0.matches(value) }
            }
        }
    }

    private static func collectLeaves(_ value: JSONValue, into leaves: inout [JSONValue], sawObject: inout Bool) {
        switch value {
        case .array(let elements):
            for element in elements { collectLeaves(element, into: &leaves, sawObject: &sawObject) }
        case .object:
            sawObject = true
        default:
            leaves.append(value)
        }
    }
}

extension Rule {
    /// Whether this rule accepts a leaf value that is present.
    func matches(_ leaf: JSONValue) -> Bool {
        switch self {
        case .exact(let expected):
            return Self.same(expected, leaf)
        case .prefix(let text, let ignoringCase):
            guard case .string(let value) = leaf else { return false }
            return ignoringCase ? value.lowercased().hasPrefix(text.lowercased()) : value.utf8.starts(with: text.utf8)
        case .suffix(let text, let ignoringCase):
            guard case .string(let value) = leaf else { return false }
            return ignoringCase
                ? value.lowercased().utf8.reversed().starts(with: text.lowercased().utf8.reversed())
                : value.utf8.reversed().starts(with: text.utf8.reversed())
        case .equalsIgnoreCase(let text):
            guard case .string(let value) = leaf else { return false }
            return value.lowercased() == text.lowercased()
        case .anythingBut(let excluded):
            return !excluded.excludes(leaf)
        case .numeric(let range):
            guard let number = leaf.doubleValue else { return false }
            return range.contains(number)
        case .exists(let flag):
            return flag
        }
    }

    /// Exact equality: same type, strings byte for byte, numbers by written text.
    static func same(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.string(let x), .string(let y)): x.utf8.elementsEqual(y.utf8)
        case (.number(let x), .number(let y)): x == y
        case (.bool(let x), .bool(let y)): x == y
        case (.null, .null): true
        default: false
        }
    }
}

extension AnythingBut {
    /// Whether `leaf` is one of the values this rule excludes. Only strings can start or
    /// end with a prefix or suffix, so other values are never excluded by those forms.
    func excludes(_ leaf: JSONValue) -> Bool {
        switch self {
        case .values(let values):
            return values.contains { Rule.same($0, leaf) }
        case .prefix(let text):
            guard case .string(let value) = leaf else { return false }
            return value.utf8.starts(with: text.utf8)
        case .suffix(let text):
            guard case .string(let value) = leaf else { return false }
            return value.utf8.reversed().starts(with: text.utf8.reversed())
        case .equalsIgnoreCase(let texts):
            guard case .string(let value) = leaf else { return false }
            return texts.contains { $0.lowercased() == value.lowercased() }
        }
    }
}
