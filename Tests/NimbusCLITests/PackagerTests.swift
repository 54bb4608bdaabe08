import Foundation
import Testing

@testable import NimbusCLI

@Suite("Packaging and guessing")
struct PackagerTests {
    /// A fresh folder holding `files` (path → contents).
    func folder(_ files: [String: String]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("nimbus-cli-\(UUID().uuidString)")
        for (path, text) in files {
            let file = url.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: file)
        }
        return url
    }

    @Test("guesses the runtime and handler from the files")
    func guesses() throws {
        #expect(Packager.guess(in: try folder(["app.py": "def handler(e, c): pass"])) == .init(runtime: "python3.12", handler: "app.handler", reason: "found app.py"))
        #expect(Packager.guess(in: try folder(["lambda_function.py": "def lambda_handler(e, c): pass"]))?.handler == "lambda_function.lambda_handler")
        #expect(Packager.guess(in: try folder(["index.mjs": "export const handler = 1"])) == .init(runtime: "nodejs20.x", handler: "index.handler", reason: "found index.mjs"))
        #expect(Packager.guess(in: try folder(["bootstrap": "#!/bin/sh", "app.py": ""]))?.runtime == "provided.al2023")
        #expect(Packager.guess(in: try folder(["README.md": "hi"])) == nil)
    }

    @Test("a handler whose file is missing is refused, naming the file")
    func missingHandler() throws {
        let url = try folder(["main.py": ""])
        #expect(throws: CLIError("Handler app.handler needs app.py in \(url.path), which is not there. Add the file, or pass --handler naming a file in the folder.")) {
            try Packager.checkHandler("app.handler", runtime: "python3.12", in: url)
        }
        try Packager.checkHandler("main.handler", runtime: "python3.12", in: url)
        try Packager.checkHandler("pkg/mod.handler", runtime: "nodejs20.x", in: try folder(["pkg/mod.js": ""]))
    }

    @Test("zips every file except caches, and describes the package")
    func zips() throws {
        let url = try folder(["app.py": "x", "lib/util.py": "yy", ".git/HEAD": "ref", "__pycache__/app.pyc": "zzz"])
        let package = try Packager.package(url)
        #expect(package.fileCount == 2)
        #expect(package.byteCount == 3)
        #expect(package.zip.prefix(2) == Data("PK".utf8))
        #expect(try Packager.files(in: url).map(\.path) == ["app.py", "lib/util.py"])
        #expect(Packager.describe(files: 12, bytes: 3482) == "12 files, 3.4 KB")
        #expect(Packager.describe(files: 1, bytes: 10) == "1 file, 10 B")
    }

    @Test("the fingerprint changes when a file does")
    func fingerprint() async throws {
        let url = try folder(["app.py": "x"])
        let watcher = DirectoryWatcher(folder: url, interval: .milliseconds(20))
        let before = watcher.fingerprint()
        try Data("longer".utf8).write(to: url.appendingPathComponent("app.py"))
        #expect(watcher.fingerprint() != before)
        let after = try await watcher.nextChange(after: before)
        #expect(after == watcher.fingerprint())
    }

    @Test("--env pairs, tables and pretty JSON")
    func formatting() throws {
        #expect(try Formatting.environment(["A=1", "B=x=y"]) == ["A": "1", "B": "x=y"])
        #expect(throws: CLIError("--env A: expected KEY=VALUE.")) { try Formatting.environment(["A"]) }
        #expect(Formatting.table(header: ["NAME", "X"], rows: [["hello", "1"]]) == "NAME   X\nhello  1")
        #expect(Formatting.pretty(Data(#"{"b":1,"a":[true]}"#.utf8)) == "{\n  \"a\" : [\n    true\n  ],\n  \"b\" : 1\n}")
        #expect(Formatting.pretty(Data("plain".utf8)) == "plain")
        #expect(Formatting.logTail(Data("START\n".utf8).base64EncodedString()) == "START\n")
    }
}
