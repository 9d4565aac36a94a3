/// Publications made before any front end has subscribed to IOPub, kept for the first subscriber.
///
/// A SUB socket subscribes a moment after it connects, and a front end that does not wait for
/// `iopub_welcome` (jupyter console 6 does not) may send its first request within that moment. With
/// a plain PUB socket that request's busy, outputs and idle are lost, and the front end waits for
/// the idle forever. Held here, they reach the first subscriber right after its welcome. Bounded:
/// past `maxMessages` or `maxBytes` the oldest are dropped, so a client that never subscribes
/// cannot make the kernel hold its outputs without end.
struct EarlyPublications {
    static let maxMessages = 1000
    static let maxBytes = 16 << 20

    /// The held messages' frames, oldest first.
    private(set) var held: [[[UInt8]]] = []
    private(set) var bytes = 0
    /// How many were dropped to stay within the bounds.
    private(set) var dropped = 0

    mutating func hold(_ frames: [[UInt8]]) {
        held.append(frames)
        bytes += EarlyPublications.size(frames)
        var drop = 0
        while held.count - drop > EarlyPublications.maxMessages || bytes > EarlyPublications.maxBytes, drop < held.count {
            bytes -= EarlyPublications.size(held[drop])
            drop += 1
        }
        if drop > 0 {
            held.removeFirst(drop)
            dropped += drop
        }
    }

    /// Everything held, oldest first, and empties the buffer.
    mutating func take() -> [[[UInt8]]] {
        defer {
            held = []
            bytes = 0
        }
        return held
    }

    static func size(_ frames: [[UInt8]]) -> Int { frames.reduce(0) { $0 + $1.count } }
}
