#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Thrown by a long loop when the statement running on its thread has been interrupted.
public struct Interrupted: Error, Equatable, Sendable {
    public init() {}
}

/// What a thread's long loops poll to learn that the user pressed interrupt: the statement that
/// runs them installs its flag with `watching`, and any loop anywhere below calls `check()`. One
/// per thread, so concurrent sessions (tests) do not stop each other.
public enum Interruption {
    final class Box { let isRaised: () -> Bool; init(_ f: @escaping () -> Bool) { isRaised = f } }

    static let key: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k, nil)
        return k
    }()

    /// Runs `body` with `isRaised` as this thread's interrupt test.
    public static func watching<T>(_ isRaised: @escaping () -> Bool, _ body: () throws -> T) rethrows -> T {
        let previous = pthread_getspecific(key)
        let box = Unmanaged.passRetained(Box(isRaised))
        pthread_setspecific(key, box.toOpaque())
        defer {
            pthread_setspecific(key, previous)
            box.release()
        }
        return try body()
    }

    /// Whether the statement running on this thread has been interrupted.
    public static var isRaised: Bool {
        guard let raw = pthread_getspecific(key) else { return false }
        return Unmanaged<Box>.fromOpaque(raw).takeUnretainedValue().isRaised()
    }

    /// Throws `Interrupted` when the statement running on this thread has been interrupted.
    @inline(__always)
    public static func check() throws {
        if isRaised { throw Interrupted() }
    }
}
