import Foundation
import Testing

@testable import NimbusConsole

@Suite struct ConsoleSessionsTests {
    let sessions = ConsoleSessions(accessKeyId: "AKID", secretAccessKey: "s3cret")

    @Test func wrongCredentialsAreRefused() {
        #expect(sessions.logIn(accessKeyId: "AKID", secretAccessKey: "wrong") == nil)
        #expect(sessions.logIn(accessKeyId: "other", secretAccessKey: "s3cret") == nil)
        #expect(sessions.logIn(accessKeyId: "", secretAccessKey: "") == nil)
    }

    @Test func aLoginIsA32ByteRandomTokenThatIsValid() throws {
        let token = try #require(sessions.logIn(accessKeyId: "AKID", secretAccessKey: "s3cret"))
        let other = try #require(sessions.logIn(accessKeyId: "AKID", secretAccessKey: "s3cret"))
        #expect(token.count == 64 && token.allSatisfy(\.isHexDigit))
        #expect(token != other)
        #expect(sessions.isValid(token))
        #expect(!sessions.isValid(String(token.reversed())))
        #expect(!sessions.isValid(nil))
    }

    @Test func sessionsExpireAfterTwelveHours() throws {
        let start = Date(timeIntervalSince1970: 1_000_000)
        let token = try #require(sessions.logIn(accessKeyId: "AKID", secretAccessKey: "s3cret", now: start))
        #expect(sessions.isValid(token, now: start.addingTimeInterval(12 * 3600 - 1)))
        #expect(!sessions.isValid(token, now: start.addingTimeInterval(12 * 3600)))
        // Forgotten once expired, even if the clock went back.
        #expect(!sessions.isValid(token, now: start))
    }

    @Test func wrongLoginsBeyondTheLimitLockLoginsForTheRestOfTheMinute() {
        let start = Date(timeIntervalSince1970: 2_000_000)
        for second in 0..<ConsoleSessions.maxFailures {
            #expect(sessions.retryAfter(now: start.addingTimeInterval(Double(second))) == nil)
            #expect(sessions.logIn(accessKeyId: "AKID", secretAccessKey: "guess", now: start.addingTimeInterval(Double(second))) == nil)
        }
        // The oldest failure was at `start`: locked until it is a minute old.
        #expect(sessions.retryAfter(now: start.addingTimeInterval(10)) == 50)
        #expect(sessions.retryAfter(now: start.addingTimeInterval(59.5)) == 1)
        #expect(sessions.retryAfter(now: start.addingTimeInterval(60)) == nil)
    }

    @Test func logoutEndsTheSession() throws {
        let token = try #require(sessions.logIn(accessKeyId: "AKID", secretAccessKey: "s3cret"))
        sessions.logOut(token)
        #expect(!sessions.isValid(token))
    }

    @Test func cookies() {
        #expect(ConsoleSessions.token(fromCookieHeader: "a=b; nimbus_console=abc123; c=d") == "abc123")
        #expect(ConsoleSessions.token(fromCookieHeader: "nimbus_consolex=abc") == nil)
        #expect(ConsoleSessions.token(fromCookieHeader: nil) == nil)
        let cookie = ConsoleSessions.setCookie("abc")
        #expect(cookie == "nimbus_console=abc; Path=/console; HttpOnly; SameSite=Strict; Max-Age=43200")
        #expect(ConsoleSessions.clearCookie.contains("Max-Age=0"))
    }
}
