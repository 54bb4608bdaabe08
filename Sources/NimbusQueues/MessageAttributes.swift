import Crypto
import Foundation

/// A message attribute: `DataType` (`String`, `Number` or `Binary`, optionally with a
/// `.custom` suffix) and a string or binary value.
public struct MessageAttributeValue: Sendable, Equatable {
    public var dataType: String
    public var stringValue: String?
    public var binaryValue: [UInt8]?

    public init(dataType: String, stringValue: String? = nil, binaryValue: [UInt8]? = nil) {
        self.dataType = dataType
        self.stringValue = stringValue
        self.binaryValue = binaryValue
    }

    /// The wire shape: `{"DataType":..., "StringValue":...}` or `..."BinaryValue": base64`.
    var wire: [String: String] {
        var object = ["DataType": dataType]
        if let stringValue { object["StringValue"] = stringValue }
        if let binaryValue { object["BinaryValue"] = Data(binaryValue).base64EncodedString() }
        return object
    }

    init?(wire: [String: Any]) {
        guard let dataType = wire["DataType"] as? String else { return nil }
        self.dataType = dataType
        self.stringValue = wire["StringValue"] as? String
        self.binaryValue = (wire["BinaryValue"] as? String).flatMap { Data(base64Encoded: $0) }.map { [UInt8]($0) }
    }

    /// Bytes counted against MaximumMessageSize: name, type and value, as SQS counts them.
    func size(name: String) -> Int {
        name.utf8.count + dataType.utf8.count + (stringValue?.utf8.count ?? 0) + (binaryValue?.count ?? 0)
    }
}

/// The digests SQS returns and SDKs check: `MD5OfMessageBody` and `MD5OfMessageAttributes`.
public enum MessageDigest {
    /// Hex MD5 of the body's UTF-8 bytes.
    public static func md5(ofBody body: String) -> String {
        hex(Insecure.MD5.hash(data: Array(body.utf8)))
    }

    /// Hex MD5 of the attributes in SQS's encoding, or nil when there are none.
    ///
    /// Attributes are sorted by name; each contributes its name and data type (4-byte
    /// big-endian length, then UTF-8 bytes), a transport byte (1 for a string value,
    /// 2 for a binary one), and the value (4-byte length, then bytes).
    public static func md5(ofAttributes attributes: [String: MessageAttributeValue]) -> String? {
        guard !attributes.isEmpty else { return nil }
        var bytes: [UInt8] = []
        for name in attributes.keys.sorted() {
            guard let value = attributes[name] else { continue }
            appendLengthPrefixed(Array(name.utf8), to: &bytes)
            appendLengthPrefixed(Array(value.dataType.utf8), to: &bytes)
            if let string = value.stringValue {
                bytes.append(1)
                appendLengthPrefixed(Array(string.utf8), to: &bytes)
            } else if let binary = value.binaryValue {
                bytes.append(2)
                appendLengthPrefixed(binary, to: &bytes)
            }
        }
        return hex(Insecure.MD5.hash(data: bytes))
    }

    private static func appendLengthPrefixed(_ value: [UInt8], to bytes: inout [UInt8]) {
        let length = UInt32(value.count)
        bytes.append(contentsOf: [UInt8(length >> 24), UInt8((length >> 16) & 0xFF), UInt8((length >> 8) & 0xFF), UInt8(length & 0xFF)])
        bytes.append(contentsOf: value)
    }

    private static func hex(_ digest: some Sequence<UInt8>) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
