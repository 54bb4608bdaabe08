import Crypto
import Foundation
import Synchronization

/// The console's logins: random 32-byte tokens kept in memory only, so a restart logs
/// everyone out, and a token means nothing outside this process.
public final class ConsoleSessions: Sendable {
    /// How long a login lasts, from the moment it was made (not renewed by use).
    public static let lifetime: TimeInterval = 12 * 60 * 60
    public static let cookieName = "nimbus_console"

    /// The only identity that can log in (shown by the page).
    public let accessKeyId: String
    private let secretAccessKey: String
    private let sessions = Mutex<[String: Date]>([:])
    /// Wrong logins within the last ``failureWindow``, from anyone.
    private let failures = Mutex<[Date]>([])
    /// Wrong logins allowed per ``failureWindow`` before every login is refused for the
    /// rest of it: guessing a secret then takes years, and the owner waits a minute at most.
    public static let maxFailures = 10
    public static let failureWindow: TimeInterval = 60

    /// - Parameters: the credentials of the server's own identity, the only ones accepted.
    public init(accessKeyId: String, secretAccessKey: String) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
    }

    /// A new session's token when the credentials are the server's, nil otherwise.
    public func logIn(accessKeyId: String, secretAccessKey: String, now: Date = Date()) -> String? {
        // Both compared in constant time (on their hashes), and both always compared.
        let idMatches = Self.equal(accessKeyId, self.accessKeyId)
        let secretMatches = Self.equal(secretAccessKey, self.secretAccessKey)
        guard idMatches && secretMatches else {
            failures.withLock { $0.append(now) }
            return nil
        }
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let token = bytes.map { String(format: "%02x", $0) }.joined()
        sessions.withLock { table in
            table = table.filter { $0.value > now }
            table[token] = now.addingTimeInterval(Self.lifetime)
        }
        return token
    }

    /// Seconds until a login may be tried again, when ``maxFailures`` wrong logins were
    /// made in the last ``failureWindow``; nil when logins are accepted.
    public func retryAfter(now: Date = Date()) -> Int? {
        failures.withLock { recent in
            recent.removeAll { $0 <= now.addingTimeInterval(-Self.failureWindow) }
            guard recent.count >= Self.maxFailures, let oldest = recent.first else { return nil }
            return max(1, Int((oldest.addingTimeInterval(Self.failureWindow).timeIntervalSince(now)).rounded(.up)))
        }
    }

    /// Whether `token` is a live session (an expired one is forgotten).
    public func isValid(_ token: String?, now: Date = Date()) -> Bool {
        guard let token else { return false }
        return sessions.withLock { table in
            guard let expiry = table[token] else { return false }
            if expiry <= now {
                table[token] = nil
                return false
            }
            return true
        }
    }

    public func logOut(_ token: String?) {
        guard let token else { return }
        sessions.withLock { _ = $0.removeValue(forKey: token) }
    }

    /// The session cookie's value from a `Cookie` header.
    public static func token(fromCookieHeader header: String?) -> String? {
        guard let header else { return nil }
        for part in header.split(separator: ";") {
            let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0] == cookieName { return String(pair[1]) }
        }
        return nil
    }

    /// `Set-Cookie` for a new session: not readable by scripts, never sent cross-site.
    public static func setCookie(_ token: String) -> String {
        "\(cookieName)=\(token); Path=/console; HttpOnly; SameSite=Strict; Max-Age=\(Int(lifetime))"
    }

    /// `Set-Cookie` that removes the session cookie.
    public static let clearCookie = "\(cookieName)=; Path=/console; HttpOnly; SameSite=Strict; Max-Age=0"

    private static func equal(_ a: String, _ b: String) -> Bool {
        let left = SHA256.hash(data: Data(a.utf8))
        let right = SHA256.hash(data: Data(b.utf8))
        return left == right  // swift-crypto's digest comparison is constant-time
    }
}
