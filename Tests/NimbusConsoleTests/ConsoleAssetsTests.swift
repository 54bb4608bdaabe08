import Foundation
import Testing

@testable import NimbusConsole

@Suite struct ConsoleAssetsTests {
    @Test func vendorFilesComeOnlyFromTheLibraryDirectories() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("nimbus-vendor-\(UUID().uuidString)")
        let library = root.appendingPathComponent("codemirror/lib")
        try FileManager.default.createDirectory(at: library, withIntermediateDirectories: true)
        try Data("cm".utf8).write(to: library.appendingPathComponent("codemirror.js"))
        try Data("secret".utf8).write(to: root.appendingPathComponent("secret.txt"))
        let assets = ConsoleAssets(vendorDirectories: ["codemirror": root.appendingPathComponent("codemirror").path])

        #expect(assets.vendorFile("codemirror/lib/codemirror.js") == Data("cm".utf8))
        #expect(assets.vendorFile("codemirror/../secret.txt") == nil)
        #expect(assets.vendorFile("codemirror/lib/../../secret.txt") == nil)
        #expect(assets.vendorFile("codemirror/lib") == nil)  // a directory
        #expect(assets.vendorFile("chart.js/chart.min.js") == nil)  // not configured
        #expect(assets.vendorFile("codemirror/lib/missing.js") == nil)
    }

    @Test func ownFilesAreBundled() throws {
        let assets = ConsoleAssets()
        let index = try #require(assets.ownFile("index.html"))
        #expect(String(decoding: index, as: UTF8.self).contains("/console/vendor/codemirror/lib/codemirror.js"))
        #expect(assets.ownFile("app.js") != nil)
        #expect(assets.ownFile("app.css") != nil)
        #expect(ConsoleAssets.contentType("app.js") == "text/javascript; charset=utf-8")
    }
}
