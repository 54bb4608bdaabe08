import Foundation
import NIOCore

/// The console's files: its own (SwiftPM resources, read once at start) and the JavaScript
/// libraries of Debian packages (`libjs-codemirror`, `libjs-chart.js`), read from disk.
///
/// Nothing is fetched from the network: a missing library just means no syntax
/// highlighting or no graphs, which the page says.
public struct ConsoleAssets: Sendable {
    /// URL prefix under `/console/vendor/` → directory, for each library.
    public static let defaultVendorDirectories = [
        "codemirror": "/usr/share/javascript/codemirror",
        "chart.js": "/usr/share/javascript/chart.js",
    ]

    let own: [String: Data]
    let vendorDirectories: [String: String]

    public init(vendorDirectories: [String: String] = ConsoleAssets.defaultVendorDirectories) {
        var own: [String: Data] = [:]
        if let root = Bundle.module.url(forResource: "console", withExtension: nil),
           let names = try? FileManager.default.contentsOfDirectory(atPath: root.path) {
            for name in names {
                own[name] = try? Data(contentsOf: root.appendingPathComponent(name))
            }
        }
        self.own = own
        self.vendorDirectories = vendorDirectories
    }

    /// One of the console's own files (`index.html`, `app.js`, `app.css`).
    func ownFile(_ name: String) -> Data? { own[name] }

    /// A library file, for the path after `/console/vendor/`; nil when absent or unsafe.
    func vendorFile(_ rest: String) -> Data? {
        let parts = rest.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 2, let directory = vendorDirectories[String(parts[0])] else { return nil }
        let inner = parts.dropFirst()
        guard inner.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." && !$0.hasPrefix(".") }) else { return nil }
        let path = directory + "/" + inner.joined(separator: "/")
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { return nil }
        return FileManager.default.contents(atPath: path)
    }

    static func contentType(_ path: String) -> String {
        switch (path as NSString).pathExtension {
        case "html": "text/html; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "json": "application/json"
        case "svg": "image/svg+xml"
        default: "application/octet-stream"
        }
    }
}
