import Foundation

/// Text the CLI prints: pretty JSON, tables, log tails.
public enum Formatting {
    /// The bytes as indented JSON with sorted keys when they are JSON, else as text.
    public static func pretty(_ data: Data) -> String {
        if let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]),
            object is [String: Any] || object is [Any],
            let text = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        {
            return String(decoding: text, as: UTF8.self)
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Left-aligned columns separated by two spaces, with a header row.
    public static func table(header: [String], rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }

    /// The text of an `X-Amz-Log-Result` header (base64 of the last 4 KB of the log).
    public static func logTail(_ header: String?) -> String? {
        guard let header, let data = Data(base64Encoded: header) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// `2026-11-23T10:15:00.000+0000` → `2026-11-23 10:15:00`.
    public static func shortDate(_ lastModified: String) -> String {
        guard lastModified.count >= 19 else { return lastModified }
        return String(lastModified.prefix(19)).replacingOccurrences(of: "T", with: " ")
    }

    /// `K=V` pairs from `--env`; the value may itself contain `=`.
    public static func environment(_ pairs: [String]) throws(CLIError) -> [String: String] {
        var result: [String: String] = [:]
        for pair in pairs {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw CLIError("--env \(pair): expected KEY=VALUE.")
            }
            result[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
        }
        return result
    }
}
