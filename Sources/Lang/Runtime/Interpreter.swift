import Foundation
import Plot

/// A PrefLab session: its variables persist from one `evaluate` to the next, as in the REPL.
public final class Interpreter {
    /// Set it (from a signal handler) to stop the running entry at its next step. It stays set
    /// until the entry has stopped: builtins that stop early return what they have and the
    /// statements after them do not run.
    public let interrupt = InterruptFlag()
    let runtime: Runtime
    /// The frame top-level code runs in; its variables live in `runtime.globals`.
    private let topFrame = Frame(size: 0, parent: nil)

    /// - Parameters:
    ///   - arguments: the script's command-line arguments, visible as `args`.
    ///   - write: where `print` and `help` write; standard output by default.
    public init(arguments: [String] = [], write: @escaping (String) -> Void = Interpreter.standardOutput) {
        runtime = Runtime(interrupt: interrupt, write: write)
        runtime.globals[runtime.globalSlot("args")] = .list(arguments.map(Value.string))
    }

    public static func standardOutput(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Where `print` writes; the notebook swaps it to capture each statement's output.
    public var write: (String) -> Void {
        get { runtime.write }
        set { runtime.write = newValue }
    }

    /// Called with each plot `print` shows; notebooks save a copy of it.
    public var plotPrinted: ((any Figure) -> Void)? {
        get { runtime.plotPrinted }
        set { runtime.plotPrinted = newValue }
    }

    /// Opens where a training run's live plot (`plot_every`) is redrawn, once per run: standard
    /// error by default, which shows it only on a terminal.
    public var openLiveDisplay: () -> any LiveDisplay {
        get { runtime.openLiveDisplay }
        set { runtime.openLiveDisplay = newValue }
    }

    /// Loop iterations and calls allowed per `evaluate`; nil for no limit.
    public var stepBudget: Int?

    /// The value of the last top-level statement (nil if it is not an expression), and whether
    /// the program ended with `;`, which asks the REPL not to print it.
    public struct Evaluation {
        public let value: Value
        public let silenced: Bool
    }

    /// Throws the first syntax error of `source`, if any; an `.incomplete` error means more
    /// input could complete it (the REPL then reads another line).
    public static func checkSyntax(_ source: Source) throws {
        _ = try Parser.parse(source)
    }

    /// Parses, compiles and runs `source`, one entry: an interruption stops all of it, and is
    /// forgotten once it has. Variables defined before an error stay defined.
    @discardableResult
    public func evaluate(_ source: Source) throws -> Evaluation {
        defer { interrupt.clear() }
        let program = try Parser.parse(source)
        var last: Value = .nil
        for statement in program.statements {
            last = try run(statement, in: source)
        }
        return Evaluation(value: last, silenced: program.lastIsSilenced)
    }

    /// The top-level statements of `source`, each with its text, for running one at a time.
    public func statements(of source: Source) throws -> [TopLevelStatement] {
        try Parser.parse(source).statements.map { statement in
            TopLevelStatement(statement: statement, text: source.text(of: statement.span), source: source)
        }
    }

    /// Runs one statement from `statements(of:)`; its value, or nil when it is not an expression.
    public func run(_ statement: TopLevelStatement) throws -> Value {
        try run(statement.statement, in: statement.source)
    }

    private func run(_ statement: Stmt, in source: Source) throws -> Value {
        var compiler = Compiler(source: source, runtime: runtime)
        let nodes = try compiler.compileTopLevel([statement])
        runtime.pending = .none
        runtime.depth = 0
        runtime.stepBudget = stepBudget
        // A builtin that stopped early (a training run saving its checkpoint) returned its value;
        // the rest of the entry does not run.
        if interrupt.isSet { throw LangError.interrupted(at: statement.span, in: source) }
        var value: Value = .nil
        for node in nodes { value = try node.eval(topFrame, runtime) }
        runtime.pending = .none
        if case .expression = statement { return value }
        return .nil
    }

    /// Sets a top-level variable, as `let name = value` would.
    public func define(_ name: String, _ value: Value) {
        runtime.globals[runtime.globalSlot(name)] = value
    }

    /// A top-level variable's value, if defined.
    public func value(of name: String) -> Value? {
        runtime.globalNames[name].flatMap { runtime.globals[$0] }
    }

    /// Defined top-level variables, in the order they were first named.
    public var variables: [(name: String, value: Value)] {
        runtime.globalNames.sorted { $0.value < $1.value }.compactMap { name, slot in
            runtime.globals[slot].map { (name, $0) }
        }
    }

    /// The parameters of a builtin or of a user function defined at the top level.
    public func parameterNames(of function: String) -> [String] {
        if let closure = value(of: function), case .function(let f) = closure { return f.function.parameterNames }
        return Builtins.table[function]?.parameters.filter { !$0.variadic }.map(\.name) ?? []
    }

    /// The fields and properties of `path`, a variable followed by field names (`run`,
    /// `run.timings`, `low.stats`), for completion; nil when the path names no value. Only
    /// fields are read: nothing is called.
    public func fieldNames(of path: String) -> [String]? {
        let names = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard var value = value(of: names[0]) else { return nil }
        for name in names.dropFirst() {
            guard let field = try? Field.property(name, of: value) else { return nil }
            value = field
        }
        return Field.propertyNames(of: value)
    }

    /// Names a completion may offer: variables and builtins.
    public var knownNames: [String] {
        variables.map(\.name) + Builtins.table.keys.sorted()
    }
}

/// One top-level statement and its source text.
public struct TopLevelStatement {
    let statement: Stmt
    public let text: String
    let source: Source

    /// Whether the statement is an expression, whose value a transcript shows.
    public var isExpression: Bool {
        if case .expression = statement { return true }
        return false
    }
}

extension Value {
    /// How the REPL shows a value: strings quoted, tensors with their footer.
    public var replDescription: String { repr(self) }
    /// How `print` shows a value.
    public var printed: String { display(self) }
    /// The stable JSON form of `preflab --json`.
    public var json: String { Lang.json(self) }
}
