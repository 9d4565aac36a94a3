import JSON
import Synchronization

/// One comm message from a front end (`comm_open`, `comm_msg` or `comm_close`), as the interpreter gets it.
public struct CommMessage: Sendable {
    public var commID: String
    /// The target the comm was opened with (for `comm_msg` and `comm_close`, the one it was opened with).
    public var targetName: String
    public var data: JSON
    public var metadata: JSON
    public var buffers: [[UInt8]]
    /// The request's own msg_id: what an output captured for it is parented to.
    public var msgID: String

    public init(commID: String, targetName: String, data: JSON = .object([]), metadata: JSON = .object([]),
                buffers: [[UInt8]] = [], msgID: String = "") {
        self.commID = commID
        self.targetName = targetName
        self.data = data
        self.metadata = metadata
        self.buffers = buffers
        self.msgID = msgID
    }
}

/// The kernel's end of comms, for the interpreter: every call publishes at once on IOPub, parented
/// to the request being handled, and keeps the kernel's list of open comms (what `comm_info` answers).
public protocol CommChannel: AnyObject {
    /// `comm_open` from the kernel.
    func open(commID: String, target: String, data: JSON, metadata: JSON)
    /// `comm_msg` on an open comm.
    func send(commID: String, data: JSON, metadata: JSON)
    /// `comm_close` from the kernel.
    func close(commID: String, data: JSON)
    /// The msg_id of the request being handled (an Output widget captures the outputs parented to it).
    var parentMsgID: String { get }
}

/// Ids in the order they were first added, for listing in a stable order. Removing is O(1): a
/// removed id stays until the next compaction, and readers skip ids their owner no longer holds,
/// so closing n comms one by one is not n² (a list's removeAll made it so).
public struct InsertionOrder: Sendable {
    private var ids: [String] = []
    private var listed = Set<String>()
    private var removed = 0

    public init() {}

    public mutating func add(_ id: String) {
        if listed.insert(id).inserted { ids.append(id) }
    }

    /// `isLive` says which ids are still held; called after the owner has forgotten `id`.
    public mutating func remove(_ id: String, isLive: (String) -> Bool) {
        removed += 1
        guard removed > 16, removed * 2 > ids.count else { return }
        ids.removeAll { !isLive($0) }
        listed = Set(ids)
        removed = 0
    }

    /// Every id added and not compacted away, oldest first; the caller skips those it no longer holds.
    public var all: [String] { ids }
}

/// The open comms, by id, with the target each was opened with. Read by `comm_info_request` on
/// either channel, changed by the shell thread: hence the lock.
public final class CommRegistry: @unchecked Sendable {
    /// Target by id, and the ids in the order they were opened (so `comm_info` lists them stably).
    private let state = Mutex<(targets: [String: String], order: InsertionOrder)>(([:], InsertionOrder()))

    public init() {}

    public func opened(_ id: String, target: String) {
        state.withLock {
            $0.order.add(id)
            $0.targets[id] = target
        }
    }

    /// Forgets a comm; returns the target it had, or nil when it was not open.
    @discardableResult
    public func closed(_ id: String) -> String? {
        state.withLock { s in
            guard let t = s.targets.removeValue(forKey: id) else { return nil }
            let targets = s.targets
            s.order.remove(id) { targets[$0] != nil }
            return t
        }
    }

    public func target(of id: String) -> String? { state.withLock { $0.targets[id] } }

    /// The open comms, optionally only those of one target, as `comm_info_reply` lists them.
    public func list(target: String?) -> [(id: String, target: String)] {
        state.withLock { s in
            s.order.all.compactMap { id in
                guard let t = s.targets[id], target == nil || target == t else { return nil }
                return (id: id, target: t)
            }
        }
    }
}
