/// SQS's checks on message bodies and attributes, with SQS's messages.
enum MessageRules {
    /// SQS accepts only XML's characters: #x9, #xA, #xD, #x20–#xD7FF, #xE000–#xFFFD, #x10000–#x10FFFF.
    static func check(body: String) throws(QueueError) {
        for scalar in body.unicodeScalars {
            let value = scalar.value
            let allowed = value == 0x9 || value == 0xA || value == 0xD || (0x20...0xD7FF).contains(value)
                || (0xE000...0xFFFD).contains(value) || (0x10000...0x10FFFF).contains(value)
            if !allowed {
                throw .invalidMessageContents(
                    "Invalid binary character '#x\(String(value, radix: 16, uppercase: true))' was found in the message body, "
                        + "the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF")
            }
        }
    }

    /// At most 10 attributes; a known type prefix; a value matching the type.
    static func check(attributes: [String: MessageAttributeValue]) throws(QueueError) {
        if attributes.count > 10 {
            throw .invalidParameterValue("Number of message attributes [\(attributes.count)] exceeds the allowed maximum [10].")
        }
        for (name, value) in attributes.sorted(by: { $0.key < $1.key }) {
            guard !name.isEmpty, name.count <= 256, !name.hasPrefix("AWS."), !name.hasPrefix("Amazon."),
                name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) })
            else {
                throw .invalidParameterValue("Message (user) attribute name '\(name)' is invalid.")
            }
            let base = value.dataType.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            switch base {
            case "String", "Number":
                guard let string = value.stringValue, !string.isEmpty else {
                    throw .invalidParameterValue(
                        "The message attribute '\(name)' must contain non-empty message attribute value for message attribute type '\(base)'.")
                }
                if base == "Number" && Double(string) == nil {
                    throw .invalidParameterValue("Could not cast message attribute '\(name)' value to number.")
                }
            case "Binary":
                guard let binary = value.binaryValue, !binary.isEmpty else {
                    throw .invalidParameterValue(
                        "The message attribute '\(name)' must contain non-empty message attribute value for message attribute type 'Binary'.")
                }
            default:
                throw .invalidParameterValue(
                    "The type of message (user) attribute '\(name)' is invalid. You must use only the following supported type prefixes: Binary, Number, String.")
            }
        }
    }
}
