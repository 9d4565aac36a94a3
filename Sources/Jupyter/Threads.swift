import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Starts a detached thread.
@discardableResult
func spawn(_ body: @escaping @Sendable () -> Void) -> pthread_t? {
    final class Box { let body: @Sendable () -> Void; init(_ b: @escaping @Sendable () -> Void) { body = b } }
    var thread = pthread_t()
    let box = Unmanaged.passRetained(Box(body)).toOpaque()
    let rc = pthread_create(&thread, nil, { raw in
        let box = Unmanaged<AnyObject>.fromOpaque(raw!).takeRetainedValue() as! Box
        box.body()
        return nil
    }, box)
    guard rc == 0 else {
        logLine("could not start a thread (error \(rc))")
        return nil
    }
    pthread_detach(thread)
    return thread
}

/// A one-shot gate: `wait` returns once `open` has been called, or when the time runs out.
/// A pthread condition, because the standard library's Synchronization has no timed wait.
final class Latch: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    private var isOpen = false

    init() {
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
    }

    deinit {
        pthread_cond_destroy(&condition)
        pthread_mutex_destroy(&mutex)
    }

    func open() {
        pthread_mutex_lock(&mutex)
        isOpen = true
        pthread_cond_broadcast(&condition)
        pthread_mutex_unlock(&mutex)
    }

    /// True if the latch opened within the time.
    func wait(milliseconds: Int) -> Bool {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let nanos = Int(now.tv_nsec) + (milliseconds % 1000) * 1_000_000
        var deadline = timespec()
        deadline.tv_sec = now.tv_sec + milliseconds / 1000 + nanos / 1_000_000_000
        deadline.tv_nsec = nanos % 1_000_000_000
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while !isOpen {
            if pthread_cond_timedwait(&condition, &mutex, &deadline) == ETIMEDOUT { return isOpen }
        }
        return true
    }
}

/// Turns SIGINT into `interrupt()` of the running kernels' interpreters, on one thread per process.
final class SignalRelay: @unchecked Sendable {
    static let shared = SignalRelay()
    private let targets = Mutex<[ObjectIdentifier: Interpreter]>([:])
    /// The thread waiting for SIGINT (tests signal it directly).
    private(set) var thread: pthread_t?

    private init() {
        SignalRelay.blockSIGINT()
        thread = spawn { [self] in
            var set = sigset_t()
            sigemptyset(&set)
            sigaddset(&set, SIGINT)
            while true {
                var sig: Int32 = 0
                guard sigwait(&set, &sig) == 0, sig == SIGINT else { continue }
                for interpreter in targets.withLock({ Array($0.values) }) { interpreter.interrupt() }
            }
        }
    }

    func add(_ interpreter: Interpreter) { targets.withLock { $0[ObjectIdentifier(interpreter)] = interpreter } }
    func remove(_ interpreter: Interpreter) { _ = targets.withLock { $0.removeValue(forKey: ObjectIdentifier(interpreter)) } }

    /// Called before any thread starts, so that every thread inherits the mask and SIGINT reaches only
    /// the relay thread's sigwait: a front end in signal mode interrupts instead of killing us.
    static func blockSIGINT() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }
}
