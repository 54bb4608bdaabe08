/// Tags on functions: AWS's limits and messages for TagResource, UntagResource, ListTags
/// and CreateFunction's `Tags`.
///
/// Rules (configuration-tags.md, and AWS's recorded answers):
/// 1. At most 50 tags per function, counting the ones it already has: more is
///    `InvalidParameterValueException: Number of tags exceeds resource tag limit.`
/// 2. Keys are 1–128 characters and do not start with `aws:`; values are 0–256 characters,
///    both of letters, digits, spaces and `_ . : / = + - @`. A violation is a
///    ValidationException on the whole map, rendered as AWS renders it.
/// 3. Only unqualified function ARNs carry tags; a version or alias ARN is refused.
/// 4. An empty `Tags` map is refused (AWS: "An error occurred and the request cannot be processed.").
public enum TagRules {
    public static let maxTags = 50
    public static let maxKeyLength = 128
    public static let maxValueLength = 256

    /// The pattern AWS quotes for a `Resource` it cannot read (as recorded, newer than botocore's).
    public static let resourcePattern =
        #"arn:(aws[a-zA-Z-]*):lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:(function:[a-zA-Z0-9-_]+(:(\$LATEST|[a-zA-Z0-9-_]+))?|layer:([a-zA-Z0-9-_]+)|code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|capacity-provider:[a-zA-Z0-9-_]+)"#

    static let valuePattern = #"^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$"#
    static let keyPattern = #"^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@]*$"#

    public static let tooMany = LambdaError(.invalidParameterValue, "Number of tags exceeds resource tag limit.")
    public static let qualifiedRefused = LambdaError(
        .invalidParameterValue, "Tags on function aliases and versions are not supported. Please specify a function ARN."
    )
    public static let emptyTags = LambdaError(.invalidParameterValue, "An error occurred and the request cannot be processed.")

    /// Parses the `{Resource}` of a tag operation to the function's name.
    ///
    /// Throws AWS's ValidationException for anything that is not a Lambda ARN, and
    /// InvalidParameterValueException for a qualified one. Other Lambda resource kinds
    /// (layers, event source mappings...) do not exist in Nimbus and are not found.
    public static func functionName(fromResource raw: String, account: Account) throws(LambdaError) -> String {
        var errors = ValidationErrors()
        if raw.utf8.count > 256 {
            errors.add(value: raw, at: "resource", constraint: "Member must have length less than or equal to 256")
        }
        let regex = #/arn:(aws[a-zA-Z\-]*):lambda:((?:eusc-)?[a-z]{2}(?:(?:-gov)|(?:-iso(?:[a-z]?)))?-[a-z]+-\d{1}):(\d{12}):(function:([a-zA-Z0-9\-_]+)(?::(\$LATEST|[a-zA-Z0-9\-_]+))?|layer:[a-zA-Z0-9\-_]+|code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|capacity-provider:[a-zA-Z0-9\-_]+)/#
        let match = raw.wholeMatch(of: regex)
        if match == nil {
            errors.add(value: raw, at: "resource", constraint: "Member must satisfy regular expression pattern: \(resourcePattern)")
        }
        try errors.throwIfAny()
        guard let match else { throw LambdaError.internalFailure }
        guard let name = match.output.5.map(String.init) else {
            throw LambdaError(.resourceNotFound, "The resource you requested does not exist.")
        }
        if match.output.6 != nil { throw qualifiedRefused }
        let region = String(match.output.2)
        if region != account.region {
            throw LambdaError(.resourceNotFound, "Functions from '\(region)' are not reachable in this region ('\(account.region)')")
        }
        if match.output.3 != account.id { throw LambdaError(.accessDenied, "") }
        return name
    }

    /// Checks a `Tags` map's keys and values (rule 2) and emptiness (rule 4).
    public static func check(_ tags: [String: String]) throws(LambdaError) {
        if tags.isEmpty { throw emptyTags }
        var errors = ValidationErrors()
        let rendered = "{" + tags.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") + "}"
        if tags.keys.contains(where: { !isValidKey($0) }) {
            errors.add(
                value: String(rendered), at: "tags",
                constraint: "Map keys must satisfy constraint: [Member must have length less than or equal to \(maxKeyLength), Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: \(keyPattern)]"
            )
        }
        if tags.values.contains(where: { !isValidValue($0) }) {
            errors.add(
                value: String(rendered), at: "tags",
                constraint: "Map value must satisfy constraint: [Member must have length less than or equal to \(maxValueLength), Member must have length greater than or equal to 0, Member must satisfy regular expression pattern: \(valuePattern)]"
            )
        }
        try errors.throwIfAny()
    }

    /// Rule 1: the tags a function would have after adding `new` to `existing`.
    public static func merged(_ existing: [String: String], adding new: [String: String]) throws(LambdaError) -> [String: String] {
        let merged = existing.merging(new) { _, added in added }
        if merged.count > maxTags { throw tooMany }
        return merged
    }

    /// Checks UntagResource's `tagKeys`: present (AWS: "Member must not be null").
    public static func checkTagKeys(_ keys: [String]) throws(LambdaError) {
        if keys.isEmpty {
            throw LambdaError(.validation, "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null")
        }
    }

    public static func isValidKey(_ key: String) -> Bool {
        guard (1...maxKeyLength).contains(key.count), !key.lowercased().hasPrefix("aws:") else { return false }
        return key.unicodeScalars.allSatisfy(isAllowed)
    }

    public static func isValidValue(_ value: String) -> Bool {
        value.count <= maxValueLength && value.unicodeScalars.allSatisfy(isAllowed)
    }

    /// Letters, separators (spaces), numbers and `_ . : / = + - @`.
    static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        if "_.:/=+-@".unicodeScalars.contains(scalar) { return true }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .spaceSeparator, .lineSeparator, .paragraphSeparator,
             .decimalNumber, .letterNumber, .otherNumber:
            return true
        default:
            return false
        }
    }
}
