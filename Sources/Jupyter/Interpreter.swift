import JSON

/// A display bundle: mime type → data (e.g. "text/plain" → .string), plus per-mime metadata.
public struct MimeBundle: Equatable, Sendable {
    public var data: [(mime: String, value: JSON)]
    public var metadata: JSON

    public init(_ data: [(mime: String, value: JSON)] = [], metadata: JSON = .object([])) {
        self.data = data
        self.metadata = metadata
    }

    public static func == (a: MimeBundle, b: MimeBundle) -> Bool {
        a.dataJSON == b.dataJSON && a.metadata == b.metadata
    }

    /// A bundle with only text/plain.
    public static func text(_ s: String) -> MimeBundle { MimeBundle([(mime: "text/plain", value: .string(s))]) }

    public subscript(mime: String) -> JSON? { data.last { $0.mime == mime }?.value }

    /// The `data` dict as the protocol writes it.
    public var dataJSON: JSON { .object(data.map { (key: $0.mime, value: $0.value) }) }
}

/// The stream a `stream` message names.
public enum StreamName: String, Sendable {
    case stdout, stderr
}

/// What an executing statement may publish on IOPub. The kernel implements it; every call
/// publishes at once, parented to the running request, and before the request's `idle`.
public protocol OutputSink: AnyObject {
    func stream(_ name: StreamName, _ text: String)
    /// `display_data`; with a display id (sent in `transient`) the output can be updated later.
    func display(_ bundle: MimeBundle, displayID: String?)
    /// `update_display_data` for an output published earlier with the same display id.
    func updateDisplay(_ bundle: MimeBundle, displayID: String)
    /// `clear_output`; with wait, the front end clears when the next output arrives.
    func clearOutput(wait: Bool)
    /// The kernel's comms, or nil where there is no front end to talk to (a script, a replay).
    var comms: CommChannel? { get }
}

extension OutputSink {
    public var comms: CommChannel? { nil }
}

/// One `execute_request`, as the interpreter needs it.
public struct ExecuteRequest: Sendable {
    public var code: String
    public var silent: Bool
    public var storeHistory: Bool
    public var allowStdin: Bool
    /// The count this execution is shown with (`In [n]`).
    public var executionCount: Int
    /// The notebook cell this code is from (`metadata.cellId`, as JupyterLab and Notebook 7 send it).
    public var cellID: String?
    /// Cells deleted since the last execution (`metadata.deletedCells`).
    public var deletedCells: [String]

    public init(code: String, silent: Bool = false, storeHistory: Bool = true, allowStdin: Bool = false, executionCount: Int = 1,
                cellID: String? = nil, deletedCells: [String] = []) {
        self.code = code
        self.silent = silent
        self.storeHistory = storeHistory
        self.allowStdin = allowStdin
        self.executionCount = executionCount
        self.cellID = cellID
        self.deletedCells = deletedCells
    }
}

/// An error as the protocol reports it: `ename`, `evalue`, and traceback lines (may hold ANSI colour).
public struct ErrorReport: Error, Equatable, Sendable {
    public var ename: String
    public var evalue: String
    public var traceback: [String]

    public init(ename: String, evalue: String, traceback: [String]) {
        self.ename = ename
        self.evalue = evalue
        self.traceback = traceback
    }
}

/// How an execution ended.
public enum ExecuteOutcome: Sendable {
    /// Success: the cell's result (`execute_result`), if any, and reply payloads (e.g. `page`).
    case ok(result: MimeBundle?, payloads: [JSON])
    case error(ErrorReport, payloads: [JSON])
}

/// A `complete_reply`'s content. Cursor positions count Unicode code points, as the protocol says.
public struct Completion: Equatable, Sendable {
    public var matches: [String]
    public var cursorStart: Int
    public var cursorEnd: Int
    /// Optional `_jupyter_types_experimental` entries: (text, type) per match.
    public var types: [(text: String, type: String)]

    public init(matches: [String], cursorStart: Int, cursorEnd: Int, types: [(text: String, type: String)] = []) {
        self.matches = matches
        self.cursorStart = cursorStart
        self.cursorEnd = cursorEnd
        self.types = types
    }

    public static func == (a: Completion, b: Completion) -> Bool {
        a.matches == b.matches && a.cursorStart == b.cursorStart && a.cursorEnd == b.cursorEnd
            && a.types.map(\.text) == b.types.map(\.text) && a.types.map(\.type) == b.types.map(\.type)
    }
}

/// An `is_complete_reply`'s status.
public enum CompletenessStatus: Equatable, Sendable {
    case complete
    /// More input is needed; `indent` is what the front end should put on the next line.
    case incomplete(indent: String)
    case invalid
    case unknown
}

/// What `kernel_info_reply` says of the language and its implementation.
public struct LanguageInfo: Sendable {
    public var implementation: String
    public var implementationVersion: String
    public var banner: String
    /// language_info as a JSON object (name, version, mimetype, file_extension, codemirror_mode, pygments_lexer).
    public var languageInfo: JSON
    /// help_links: (text, url) pairs.
    public var helpLinks: [(text: String, url: String)]

    public init(implementation: String, implementationVersion: String, banner: String, languageInfo: JSON,
                helpLinks: [(text: String, url: String)]) {
        self.implementation = implementation
        self.implementationVersion = implementationVersion
        self.banner = banner
        self.languageInfo = languageInfo
        self.helpLinks = helpLinks
    }
}

/// The language a kernel runs. The kernel owns the sockets, the protocol and the ordering rules;
/// the interpreter only evaluates. Every method but `interrupt` is called on the shell thread, one at a time.
public protocol Interpreter: AnyObject {
    var info: LanguageInfo { get }

    /// Runs a cell. Outputs go to `output` as they happen; the result or error comes back.
    func execute(_ request: ExecuteRequest, output: OutputSink) -> ExecuteOutcome

    /// Evaluates one `user_expressions` entry without side effects on the session's outputs.
    func evaluate(expression: String) -> Result<MimeBundle, ErrorReport>

    func complete(code: String, cursorPos: Int) -> Completion

    /// Help for what is at the cursor, or nil when there is nothing to say (`found: false`).
    func inspect(code: String, cursorPos: Int, detailLevel: Int) -> MimeBundle?

    func isComplete(code: String) -> CompletenessStatus

    /// Asks a running execution to stop at its next step. Called from another thread or a signal
    /// handler's relay thread, so it must only set something the running code polls.
    func interrupt()

    /// A front end opened a comm; true accepts it, false has the kernel close it at once.
    /// `output` is parented to the `comm_open` and can answer on its comms.
    func commOpened(_ message: CommMessage, output: OutputSink) -> Bool
    /// A `comm_msg` on a comm that is open.
    func commReceived(_ message: CommMessage, output: OutputSink)
    /// The front end closed a comm that was open.
    func commClosed(_ message: CommMessage, output: OutputSink)
}

/// An interpreter without comm targets refuses every comm.
extension Interpreter {
    public func commOpened(_ message: CommMessage, output: OutputSink) -> Bool { false }
    public func commReceived(_ message: CommMessage, output: OutputSink) {}
    public func commClosed(_ message: CommMessage, output: OutputSink) {}
}
