import Foundation

/// A receipt handle: names the queue and message, and a nonce unique to one receive,
/// so an older receive's handle never matches a message received again since.
struct ReceiptHandle: Sendable, Equatable {
    var queue: String
    var messageId: String
    var nonce: String

    static func new(queue: String, messageId: String) -> ReceiptHandle {
        ReceiptHandle(queue: queue, messageId: messageId, nonce: UUID().uuidString.lowercased())
    }

    /// The opaque string clients see (base64 of `queue messageId nonce`).
    var text: String {
        Data("nimbus1 \(queue) \(messageId) \(nonce)".utf8).base64EncodedString()
    }

    /// Parses a handle Nimbus issued; nil for anything else.
    init?(text: String) {
        guard let data = Data(base64Encoded: text), let decoded = String(data: data, encoding: .utf8) else { return nil }
        let parts = decoded.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 4, parts[0] == "nimbus1" else { return nil }
        (queue, messageId, nonce) = (parts[1], parts[2], parts[3])
    }

    init(queue: String, messageId: String, nonce: String) {
        (self.queue, self.messageId, self.nonce) = (queue, messageId, nonce)
    }
}
