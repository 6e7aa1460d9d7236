import Base
import Distributed
import Foundation
import Tensor

extension Builtins {
    static let session: [Builtin] = [
        Builtin("help(name = nil)", topic: "session",
                doc: "Shows a builtin's signature, description and example; help() lists every builtin by topic, and help(x) of any other value says what x is (its kind and fields). In the REPL, ?name does the same.",
                example: "help(\"softmax\")") { a in
            switch try a["name"] {
            case .nil: a.runtime.write(helpIndex())
            case .string(let name): a.runtime.write(try helpText(name))
            case .builtin(let builtin): a.runtime.write(helpText(builtin))
            case .function(let closure): a.runtime.write(helpText(closure))
            case let other: a.runtime.write(valueHelp(other))
            }
            return .nil
        },
        Builtin("who()", topic: "session", doc: "Lists the variables defined at the top level with their type, shape and size.",
                example: "who()") { a in
            a.runtime.write(variableTable(a.runtime))
            return .nil
        },
        Builtin("seed(n)", topic: "session", doc: "Restarts the session's random stream (rand, randn, randint) from seed n; every run with the same seed draws the same numbers.",
                example: "seed(42)") { a in
            let n = try a.int("n")
            guard n >= 0 else { throw BuiltinError("seed must be a non-negative whole number, got \(n)") }
            a.runtime.random = RandomSource(seed: UInt64(n))
            return .nil
        },
        Builtin("temp_dir(prefix = \"preflab\")", topic: "session",
                doc: "Creates a new empty directory under the system's temporary directory and returns its path: a place for scratch runs and files.",
                example: "len(temp_dir()) > 0") { a in
            let prefix = try a.string("prefix")
            guard !prefix.contains("/") else { throw BuiltinError("prefix must not contain '/', got \"\(prefix)\"") }
            let template = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("\(prefix)-XXXXXX").path
            var bytes = Array(template.utf8CString)
            guard let made = mkdtemp(&bytes) else { throw BuiltinError("cannot create a directory in \(NSTemporaryDirectory())") }
            return .string(String(cString: made))
        },
        Builtin("now()", topic: "session",
                doc: "The wall-clock time in seconds since 1970-01-01 00:00 UTC (the Unix epoch), with a fraction: for time stamps in records and file names. Durations are better measured with clock().",
                example: "now() > 1.7e9") { _ in
            .number(Date().timeIntervalSince1970)
        },
        Builtin("clock()", topic: "session",
                doc: "Seconds on a monotonic clock that never jumps when the wall clock is set: the difference of two readings is how long the code between them took.",
                example: "let start = clock()\nclock() - start >= 0") { _ in
            .number(Stopwatch.seconds)
        },
        Builtin("rank()", topic: "session",
                doc: "This process's number among the processes mpirun (or srun) started, from 0; 0 without a launcher. Only rank 0 prints and writes files unless preflab runs with --all-ranks.",
                example: "rank() < world_size()") { _ in
            .number(Double(World.current.rank))
        },
        Builtin("world_size()", topic: "session",
                doc: "How many processes mpirun (or srun) started to run this script together, 1 without a launcher; train splits each batch across them.",
                example: "world_size() >= 1") { _ in
            .number(Double(World.current.size))
        },
        Builtin("time(f)", topic: "session",
                doc: "Runs f (a function of no arguments, or a block: time { … }), prints how long it took as the REPL's :time does (time: 1.234 s), and returns f's value.",
                example: "time { sum(ones([100, 100]) @ ones([100, 100])) }") { a in
            let f = try a.function("f")
            let start = Stopwatch.seconds
            let value = try a.call(f, [])
            a.runtime.write(Stopwatch.report(Stopwatch.seconds - start) + "\n")
            return value
        },
        Builtin("kernels(mode = nil)", topic: "session",
                doc: "The OpenBLAS kernels that run matrix products, as {mode, set, cpu}. kernels(mode) switches to "
                    + KernelMode.allCases.map { "\"\($0.rawValue)\" (\($0.summary))" }.joined(separator: " or ")
                    + " for the rest of the session and returns the new record.",
                example: "kernels().mode") { a in
            if try !a.isNil("mode") {
                let name = try a.string("mode")
                do { try BLASCore.applyPolicy(KernelMode(parsing: name, from: "argument 'mode'")) } catch let error as KernelModeError {
                    throw BuiltinError(error.description)
                }
            }
            let kernels = BLASCore.inUse
            return .record(["mode": .string(kernels.mode.rawValue), "set": .string(kernels.set), "cpu": .string(BLASCore.cpuName)])
        },
    ]

    static func helpText(_ name: String) throws -> String {
        guard let builtin = table[name] else {
            let suggestion = didYouMean(name, in: table.keys.sorted())
            let starting = table.keys.filter { $0.hasPrefix(name) }.sorted()
            let hint = !suggestion.isEmpty || starting.isEmpty ? suggestion : "; builtins starting so: " + starting.joined(separator: ", ")
            throw BuiltinError("no builtin named '\(name)'\(hint)" + (hint.isEmpty ? "; help() lists them all" : ""))
        }
        return helpText(builtin)
    }

    /// What `help(x)` says of a value that is not a function: its kind and what it holds, since
    /// help describes builtins and a variable's value is what a researcher asked about.
    static func valueHelp(_ value: Value) -> String {
        let what: String
        switch value {
        case .record(let fields): what = "a record with " + (fields.isEmpty ? "no fields" : "fields " + fields.keys.joined(separator: ", "))
        case .list(let items): what = "a list of \(items.count) value\(items.count == 1 ? "" : "s")"
        case .tensor(let t): what = "a Float32 tensor of shape \(t.shape)"
        // A plot's summary is the figure itself: its kind says enough.
        case .handle(let handle):
            what = (handle.summary.contains("\n") ? "a \(handle.kind)" : handle.summary)
                + (handle.propertyNames.isEmpty ? "" : "\n  properties: " + handle.propertyNames.joined(separator: ", "))
        case .nil: what = "nil"
        default: what = "a \(value.typeName): \(repr(value))"
        }
        return what + "\n  help describes builtins: help(name) or help(\"name\") for one, help() for the list.\n"
    }

    /// The signature (broken between parameters, continued after its parenthesis) and doc
    /// wrapped to the terminal; the example as written, so that it can be copied.
    static func helpText(_ builtin: Builtin) -> String {
        let parameters = builtin.parameters.map(\.written)
        let pieces = parameters.enumerated().map { i, parameter in i == parameters.count - 1 ? parameter + ")" : parameter + "," }
        let signature = TextLayout.wrap(pieces.isEmpty ? [")"] : pieces, lead: builtin.name + "(", hanging: builtin.name.count + 1)
        let doc = TextLayout.wrap(builtin.doc.split(separator: " ").map(String.init), lead: "  ", hanging: 2)
        let example = builtin.example.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n")
        return "\(signature)\n\(doc)\n  Example:\n\(example)\n"
    }

    static func helpText(_ closure: Closure) -> String {
        "\(closure.function.signature)\n  a function defined in \(closure.function.source.name)\n"
    }

    static func helpIndex() -> String {
        var text = TextLayout.wrapColumns("Builtins by topic (help(\"name\") or ?name for one):") + "\n"
        for topic in topics {
            let names = all.filter { $0.topic == topic }.map(\.name)
            text += TextLayout.wrapColumns("  \(topic):".padding(toLength: 16, withPad: " ", startingAt: 0) + names.joined(separator: ", ")) + "\n"
        }
        return text
    }

    static func variableTable(_ rt: Runtime) -> String {
        let rows: [(String, String, String, String)] = rt.globalNames.sorted { $0.value < $1.value }.compactMap { name, slot in
            guard let value = rt.globals[slot], name != "args" else { return nil }
            switch value {
            case .tensor(let t): return (name, "tensor", "\(t.shape)", byteCount(t.count * 4))
            case .list(let items): return (name, "list", "[\(items.count)]", "")
            case .string(let s): return (name, "string", "", byteCount(s.utf8.count))
            default: return (name, value.typeName, "", "")
            }
        }
        guard !rows.isEmpty else { return "No variables defined.\n" }
        let header = ("name", "type", "shape", "bytes")
        let all = [header] + rows
        let widths = [all.map(\.0.count).max() ?? 0, all.map(\.1.count).max() ?? 0, all.map(\.2.count).max() ?? 0]
        return all.map { row in
            row.0.padding(toLength: widths[0] + 2, withPad: " ", startingAt: 0)
                + row.1.padding(toLength: widths[1] + 2, withPad: " ", startingAt: 0)
                + row.2.padding(toLength: widths[2] + 2, withPad: " ", startingAt: 0) + row.3
        }.map { $0.trimmingTrailingSpaces() }.joined(separator: "\n") + "\n"
    }

    private static func byteCount(_ bytes: Int) -> String {
        switch bytes {
        case ..<1024: return "\(bytes) B"
        case ..<(1 << 20): return String(format: "%.1f KiB", Double(bytes) / 1024)
        case ..<(1 << 30): return String(format: "%.1f MiB", Double(bytes) / Double(1 << 20))
        default: return String(format: "%.1f GiB", Double(bytes) / Double(1 << 30))
        }
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
