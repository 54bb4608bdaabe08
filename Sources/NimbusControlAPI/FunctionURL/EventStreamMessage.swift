import Foundation

/// One message of AWS's event stream (`application/vnd.amazon.eventstream`), the framing
/// of InvokeWithResponseStream's answer.
///
/// Layout, all integers big-endian: total length (4), headers length (4), CRC-32 of those
/// 8 bytes (4), headers, payload, CRC-32 of everything before it (4). A header is a name
/// length (1), the name, the value type (7: string), the value length (2), the value.
struct EventStreamMessage: Sendable, Equatable {
    var headers: [(name: String, value: String)]
    var payload: [UInt8]

    static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.payload == rhs.payload && lhs.headers.map(\.name) == rhs.headers.map(\.name) && lhs.headers.map(\.value) == rhs.headers.map(\.value)
    }

    /// An event of the stream: `:event-type`, `:content-type`, `:message-type: event`.
    static func event(_ type: String, contentType: String, payload: [UInt8]) -> EventStreamMessage {
        EventStreamMessage(headers: [(":event-type", type), (":content-type", contentType), (":message-type", "event")], payload: payload)
    }

    func encoded() -> [UInt8] {
        var headerBytes: [UInt8] = []
        for header in headers {
            let name = Array(header.name.utf8)
            let value = Array(header.value.utf8)
            headerBytes.append(UInt8(name.count))
            headerBytes += name
            headerBytes.append(7)
            headerBytes += Self.bigEndian(UInt16(value.count))
            headerBytes += value
        }
        let total = 12 + headerBytes.count + payload.count + 4
        var message = Self.bigEndian(UInt32(total)) + Self.bigEndian(UInt32(headerBytes.count))
        message += Self.bigEndian(CRC32.checksum(message))
        message += headerBytes
        message += payload
        message += Self.bigEndian(CRC32.checksum(message))
        return message
    }

    private static func bigEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian, Array.init)
    }
}

/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), as the event stream uses.
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        return crc
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}
