import Foundation

/// A CloudWatch Logs filter pattern, the subset Nimbus evaluates: terms (all must appear),
/// quoted phrases, `-term` exclusions, `?term` alternatives, and JSON patterns
/// (`{ $.a.b = "v" }`, `{ $.n > 5 }`, `*` wildcards in string values, `&&`, `||`, parentheses).
///
/// Anything else (space-delimited `[a, b]` patterns, `%regex%`, `IS NULL`, `EXISTS`, ...)
/// is rejected with InvalidParameterException rather than matching everything, so that a
/// search never silently returns what was meant to be filtered out.
///
/// Matching is case-sensitive and a term matches anywhere in the message (CloudWatch's
/// exact word-boundary rules are not verified here).
public enum FilterPattern: Sendable, Equatable {
    case all
    /// Every `required` term, at least one `anyOf` term when there are some, no `excluded` term.
    case terms(required: [String], anyOf: [String], excluded: [String])
    case json(JSONCondition)

    public static func parse(_ text: String) throws(LogsError) -> FilterPattern {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return .all }
        if trimmed.hasPrefix("{") {
            // AWS's own message for this case (quoted in user reports).
            guard trimmed.hasSuffix("}") else { throw .invalidParameter("If a filter pattern starts with '{' it must end with '}'") }
            var parser = JSONPatternParser(Array(trimmed.dropFirst().dropLast()))
            return .json(try parser.parse())
        }
        return try parseTerms(Array(trimmed))
    }

    public func matches(_ message: String) -> Bool {
        switch self {
        case .all:
            return true
        case .terms(let required, let anyOf, let excluded):
            return required.allSatisfy { message.contains($0) }
                && (anyOf.isEmpty || anyOf.contains { message.contains($0) })
                && !excluded.contains { message.contains($0) }
        case .json(let condition):
            guard let data = message.trimmingCharacters(in: .whitespacesAndNewlines).data(using: .utf8),
                let object = try? JSONSerialization.jsonObject(with: data), object is [String: Any] || object is [Any]
            else { return false }
            return condition.matches(object)
        }
    }

    /// Characters an unquoted term may not contain: they start forms Nimbus does not evaluate.
    static let reserved = Set("\"{}[]()%*=<>!&|")

    private static func parseTerms(_ chars: [Character]) throws(LogsError) -> FilterPattern {
        var required: [String] = [], anyOf: [String] = [], excluded: [String] = []
        var index = 0
        while index < chars.count {
            if chars[index].isWhitespace { index += 1; continue }
            var kind: Character = " "
            if chars[index] == "?" || chars[index] == "-" {
                kind = chars[index]
                index += 1
            }
            var term = ""
            if index < chars.count, chars[index] == "\"" {
                index += 1
                var closed = false
                while index < chars.count {
                    if chars[index] == "\\", index + 1 < chars.count {
                        term.append(chars[index + 1]); index += 2; continue
                    }
                    if chars[index] == "\"" { closed = true; index += 1; break }
                    term.append(chars[index]); index += 1
                }
                guard closed else { throw .invalidFilterPattern }
            } else {
                while index < chars.count, !chars[index].isWhitespace {
                    guard !reserved.contains(chars[index]) else { throw .invalidFilterPattern }
                    term.append(chars[index]); index += 1
                }
            }
            guard !term.isEmpty else { throw .invalidFilterPattern }
            switch kind {
            case "?": anyOf.append(term)
            case "-": excluded.append(term)
            default: required.append(term)
            }
        }
        return .terms(required: required, anyOf: anyOf, excluded: excluded)
    }
}

/// The condition of a JSON filter pattern.
public indirect enum JSONCondition: Sendable, Equatable {
    case and(JSONCondition, JSONCondition)
    case or(JSONCondition, JSONCondition)
    case compare(path: [JSONPathStep], op: JSONComparison, value: JSONPatternValue)

    func matches(_ root: Any) -> Bool {
        switch self {
        case .and(let lhs, let rhs): return lhs.matches(root) && rhs.matches(root)
        case .or(let lhs, let rhs): return lhs.matches(root) || rhs.matches(root)
        case .compare(let path, let op, let value):
            var current: Any = root
            for step in path {
                switch step {
                case .key(let key):
                    guard let object = current as? [String: Any], let next = object[key] else { return false }
                    current = next
                case .index(let position):
                    guard let array = current as? [Any], array.indices.contains(position) else { return false }
                    current = array[position]
                }
            }
            switch value {
            case .string(let pattern):
                guard let text = current as? String else { return false }
                let equal = Self.glob(pattern, text)
                return op == .equal ? equal : !equal
            case .number(let expected):
                guard !(current is String), let number = (current as? NSNumber)?.doubleValue else { return false }
                switch op {
                case .equal: return number == expected
                case .notEqual: return number != expected
                case .less: return number < expected
                case .lessOrEqual: return number <= expected
                case .greater: return number > expected
                case .greaterOrEqual: return number >= expected
                }
            }
        }
    }

    /// `*` matches any run of characters; everything else literally.
    static func glob(_ pattern: String, _ text: String) -> Bool {
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        if parts.count == 1 { return pattern == text }
        guard text.hasPrefix(parts[0]) else { return false }
        var rest = Substring(text.dropFirst(parts[0].count))
        for part in parts.dropFirst().dropLast() where !part.isEmpty {
            guard let range = rest.range(of: part) else { return false }
            rest = rest[range.upperBound...]
        }
        return rest.hasSuffix(parts.last!)
    }
}

public enum JSONPathStep: Sendable, Equatable {
    case key(String)
    case index(Int)
}

public enum JSONComparison: String, Sendable, Equatable {
    case equal = "=", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
}

public enum JSONPatternValue: Sendable, Equatable {
    case string(String)
    case number(Double)
}

/// Recursive descent over the inside of `{ ... }`: `||` binds looser than `&&`.
struct JSONPatternParser {
    let chars: [Character]
    var index = 0

    init(_ chars: [Character]) { self.chars = chars }

    mutating func parse() throws(LogsError) -> JSONCondition {
        let condition = try parseOr()
        skipSpace()
        guard index == chars.count else { throw .invalidFilterPattern }
        return condition
    }

    private mutating func parseOr() throws(LogsError) -> JSONCondition {
        var condition = try parseAnd()
        while consume("||") { condition = .or(condition, try parseAnd()) }
        return condition
    }

    private mutating func parseAnd() throws(LogsError) -> JSONCondition {
        var condition = try parsePrimary()
        while consume("&&") { condition = .and(condition, try parsePrimary()) }
        return condition
    }

    private mutating func parsePrimary() throws(LogsError) -> JSONCondition {
        if consume("(") {
            let inner = try parseOr()
            guard consume(")") else { throw .invalidFilterPattern }
            return inner
        }
        let path = try parsePath()
        let op = try parseOperator()
        let value = try parseValue()
        if case .string = value, op != .equal, op != .notEqual { throw .invalidFilterPattern }
        return .compare(path: path, op: op, value: value)
    }

    private mutating func parsePath() throws(LogsError) -> [JSONPathStep] {
        guard consume("$") else { throw .invalidFilterPattern }
        var steps: [JSONPathStep] = []
        while index < chars.count {
            if chars[index] == "." {
                index += 1
                var key = ""
                while index < chars.count, chars[index].isLetter || chars[index].isNumber || "_-@".contains(chars[index]) {
                    key.append(chars[index]); index += 1
                }
                guard !key.isEmpty else { throw .invalidFilterPattern }
                steps.append(.key(key))
            } else if chars[index] == "[" {
                index += 1
                var digits = ""
                while index < chars.count, chars[index].isASCII, chars[index].isNumber { digits.append(chars[index]); index += 1 }
                guard let position = Int(digits), index < chars.count, chars[index] == "]" else { throw .invalidFilterPattern }
                index += 1
                steps.append(.index(position))
            } else {
                break
            }
        }
        guard !steps.isEmpty else { throw .invalidFilterPattern }
        return steps
    }

    private mutating func parseOperator() throws(LogsError) -> JSONComparison {
        for op in [JSONComparison.notEqual, .lessOrEqual, .greaterOrEqual, .equal, .less, .greater] where consume(op.rawValue) {
            return op
        }
        throw .invalidFilterPattern
    }

    private mutating func parseValue() throws(LogsError) -> JSONPatternValue {
        skipSpace()
        guard index < chars.count else { throw .invalidFilterPattern }
        if chars[index] == "\"" {
            index += 1
            var text = ""
            while index < chars.count, chars[index] != "\"" {
                if chars[index] == "\\", index + 1 < chars.count { index += 1 }
                text.append(chars[index]); index += 1
            }
            guard index < chars.count else { throw .invalidFilterPattern }
            index += 1
            return .string(text)
        }
        var literal = ""
        while index < chars.count, chars[index].isNumber || "+-.eE".contains(chars[index]) { literal.append(chars[index]); index += 1 }
        guard let number = Double(literal) else { throw .invalidFilterPattern }
        return .number(number)
    }

    private mutating func skipSpace() {
        while index < chars.count, chars[index].isWhitespace { index += 1 }
    }

    /// Skips spaces, then takes `token` if it comes next.
    private mutating func consume(_ token: String) -> Bool {
        skipSpace()
        let tokenChars = Array(token)
        guard index + tokenChars.count <= chars.count, Array(chars[index..<index + tokenChars.count]) == tokenChars else { return false }
        index += tokenChars.count
        return true
    }
}
