import Foundation
import Testing

@testable import NimbusAuth

/// Reading and writing SigV4's date forms.
@Suite("Request dates")
struct AmzDateTests {
    @Test(
        "basic ISO 8601 round-trips",
        arguments: [
            ("20150830T123600Z", Int64(1_440_938_160)),
            ("20000229T235959Z", Int64(951_868_799)),
            ("19691231T000000Z", Int64(-86_400)),
            ("19700101T000000Z", Int64(0)),
            ("20261123T101500Z", Int64(1_795_428_900)),
        ]
    )
    func basic(text: String, seconds: Int64) throws {
        let date = try #require(AmzDate(basic: text))
        #expect(date.secondsSince1970 == seconds)
        #expect(AmzDate(secondsSince1970: seconds).basic == text)
    }

    @Test(
        "rejects anything but the basic form",
        arguments: [
            "2015-08-30T12:36:00Z", "20150830T123600", "20150830 123600Z", "20150230T000000Z", "20150830T246000Z",
            "20150830T123660Z", "2015083OT123600Z", "", "20150830T123600Z ",
        ]
    )
    func rejectsOtherForms(text: String) {
        #expect(AmzDate(basic: text) == nil)
    }

    @Test(
        "reads HTTP dates",
        arguments: [
            "Sun, 30 Aug 2015 12:36:00 GMT",
            "Sun, 30 Aug 2015 12:36:00 -0000",
            "Sun, 30 Aug 2015 14:36:00 +0200",
            "30 Aug 2015 12:36:00 UTC",
            "Sunday, 30-Aug-15 12:36:00 GMT",
            "Sun Aug 30 12:36:00 2015",
        ]
    )
    func httpDates(text: String) throws {
        #expect(try #require(AmzDate(httpDate: text)).secondsSince1970 == 1_440_938_160)
    }

    @Test(
        "rejects malformed HTTP dates",
        arguments: [
            "yesterday", "Sun, 31 Feb 2015 12:36:00 GMT", "Sun, 30 Aug 2015 12:36:00 PST8",
            "Sun, 30 Aug 2015 25:00:00 GMT", "",
        ])
    func rejectsBadHTTPDates(text: String) {
        #expect(AmzDate(httpDate: text) == nil)
    }

    @Test("a Date truncates to the second")
    func truncates() {
        #expect(AmzDate(Date(timeIntervalSince1970: 1_440_938_160.999)).basic == "20150830T123600Z")
        #expect(AmzDate(Date(timeIntervalSince1970: -0.5)).basic == "19691231T235959Z")
    }
}
