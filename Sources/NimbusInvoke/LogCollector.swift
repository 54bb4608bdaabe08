import Foundation
import NimbusCore
import NimbusStore
import Synchronization

/// One environment's log: splits its output into lines, frames invocations with
/// START/END/REPORT, and keeps this invocation's text for `X-Amz-Log-Result`.
final class LogCollector: Sendable {
    private struct State {
        var partialLine: [UInt8] = []
        /// Text since the previous invocation ended: init output, then this invocation.
        var tail = ""
    }

    /// The longest line kept as one event.
    static let maxLineBytes = 262_144

    let logGroup: String
    let logStream: String
    private let sink: LogSink
    private let state = Mutex(State())

    init(logGroup: String, logStream: String, sink: LogSink) {
        self.logGroup = logGroup
        self.logStream = logStream
        self.sink = sink
    }

    /// Takes a chunk of process output.
    func output(_ chunk: [UInt8]) {
        let lines: [String] = state.withLock { state in
            var lines: [String] = []
            var start = 0
            for (index, byte) in chunk.enumerated() where byte == UInt8(ascii: "\n") {
                state.partialLine.append(contentsOf: chunk[start..<index])
                lines.append(String(decoding: state.partialLine, as: UTF8.self))
                state.partialLine.removeAll(keepingCapacity: true)
                start = index + 1
            }
            state.partialLine.append(contentsOf: chunk[start...])
            // Output without newlines must not grow without bound: cut it where
            // CloudWatch Logs would split an event (256 KB).
            while state.partialLine.count >= Self.maxLineBytes {
                lines.append(String(decoding: state.partialLine.prefix(Self.maxLineBytes), as: UTF8.self))
                state.partialLine.removeFirst(Self.maxLineBytes)
            }
            for line in lines { Self.appendTail(&state.tail, line) }
            return lines
        }
        emit(lines)
    }

    /// Writes platform lines (START, END, REPORT) to the log and the tail.
    func platform(_ line: String) {
        state.withLock { Self.appendTail(&$0.tail, line) }
        emit([line])
    }

    /// Ends an invocation: flushes a partial line, and returns the tail (last 4 KB).
    func finishInvocation(end: String, report: String) -> String {
        let (partial, tail): (String?, String) = state.withLock { state in
            var partial: String?
            if !state.partialLine.isEmpty {
                let line = String(decoding: state.partialLine, as: UTF8.self)
                state.partialLine.removeAll(keepingCapacity: true)
                Self.appendTail(&state.tail, line)
                partial = line
            }
            Self.appendTail(&state.tail, end)
            Self.appendTail(&state.tail, report)
            defer { state.tail = "" }
            return (partial, state.tail)
        }
        emit((partial.map { [$0] } ?? []) + [end, report])
        return Self.lastBytes(tail, Limits.logTailBytes)
    }

    private func emit(_ lines: [String]) {
        guard !lines.isEmpty else { return }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        sink.append(lines.map { FunctionLogEvent(logGroup: logGroup, logStream: logStream, timestamp: now, message: $0) })
    }

    private static func appendTail(_ tail: inout String, _ line: String) {
        tail += line
        tail += "\n"
        // Keep memory bounded for chatty functions; only the last 4 KB is ever returned.
        if tail.utf8.count > 4 * Limits.logTailBytes {
            tail = lastBytes(tail, Limits.logTailBytes)
        }
    }

    /// The last `count` bytes of `text`, cut at a character boundary.
    static func lastBytes(_ text: String, _ count: Int) -> String {
        let utf8 = text.utf8
        guard utf8.count > count else { return text }
        var bytes = Array(utf8.suffix(count))
        // Do not start inside a multi-byte character.
        while let first = bytes.first, first & 0xC0 == 0x80 { bytes.removeFirst() }
        return String(decoding: bytes, as: UTF8.self)
    }
}
