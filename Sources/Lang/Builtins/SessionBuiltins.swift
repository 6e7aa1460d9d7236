import Foundation
import Tensor

extension Builtins {
    static let session: [Builtin] = [
        Builtin("help(name = nil)", topic: "session",
                doc: "Shows a builtin's signature, description and example; help() lists every builtin by topic. In the REPL, ?name does the same.",
                example: "help(\"softmax\")") { a in
            switch try a["name"] {
            case .nil: a.runtime.write(helpIndex())
            case .string(let name): a.runtime.write(try helpText(name))
            case .builtin(let builtin): a.runtime.write(helpText(builtin))
            case .function(let closure): a.runtime.write(helpText(closure))
            case let other: throw BuiltinError("takes a builtin's name as a string, got a \(other.typeName)")
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
            let close = table.keys.filter { $0.hasPrefix(String(name.prefix(2))) }.sorted().prefix(5)
            let hint = close.isEmpty ? "" : "; similar: " + close.joined(separator: ", ")
            throw BuiltinError("no builtin named '\(name)'\(hint)")
        }
        return helpText(builtin)
    }

    static func helpText(_ builtin: Builtin) -> String {
        let example = builtin.example.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n")
        return "\(builtin.signature)\n  \(builtin.doc)\n  Example:\n\(example)\n"
    }

    static func helpText(_ closure: Closure) -> String {
        "\(closure.function.signature)\n  a function defined in \(closure.function.source.name)\n"
    }

    static func helpIndex() -> String {
        var text = "Builtins by topic (help(\"name\") or ?name for one):\n"
        for topic in topics {
            let names = all.filter { $0.topic == topic }.map(\.name)
            text += "  \(topic):".padding(toLength: 16, withPad: " ", startingAt: 0) + names.joined(separator: ", ") + "\n"
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
