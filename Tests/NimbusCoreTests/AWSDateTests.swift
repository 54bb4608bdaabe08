import Foundation
import Testing
@testable import NimbusCore

@Suite("AWSDate and JSONText")
struct AWSDateTests {
    @Test("LastModified uses AWS's format with milliseconds and +0000")
    func lastModified() {
        // 2026-11-23T10:15:00.123Z
        let date = Date(timeIntervalSince1970: 1_795_428_900.123)
        #expect(AWSDate.lastModified(date) == "2026-11-23T10:15:00.123+0000")
        #expect(AWSDate.logStreamDay(date) == "2026/11/23")
    }

    @Test("leap days and year ends convert correctly", arguments: [
        (951_782_400.0, "2000-02-29T00:00:00.000+0000"),
        (1_735_689_599.0, "2024-12-31T23:59:59.000+0000"),
        (0.0, "1970-01-01T00:00:00.000+0000"),
    ])
    func civil(seconds: Double, expected: String) {
        #expect(AWSDate.lastModified(Date(timeIntervalSince1970: seconds)) == expected)
    }

    @Test("JSON strings are escaped")
    func escaping() {
        #expect(JSONText.quoted("a\"b\\c\nd\u{1}") == #""a\"b\\c\nd\u0001""#)
        #expect(JSONText.platformError(type: "Sandbox.Timedout", message: "x") == #"{"errorType":"Sandbox.Timedout","errorMessage":"x"}"#)
    }
}
