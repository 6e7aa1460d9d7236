import CEditLine
import Foundation
import Lang

/// Tab completion through libedit's readline emulation: variables and builtins (functions with
/// their opening parenthesis); fields after `.`; keyword arguments inside a call; file paths
/// inside a string.
enum Completion {
    nonisolated(unsafe) private static var interpreter: Interpreter?
    nonisolated(unsafe) private static var candidates: [String] = []
    nonisolated(unsafe) private static var next = 0

    /// Everything but `.` and `/` breaks words, so `run.lo` and `data/tr` reach us whole.
    private static let wordBreaks = strdup(" \t\n\"\\'`@$><=;|&{(+-*%^[],:)")

    static func install(for interpreter: Interpreter) {
        self.interpreter = interpreter
        ce_set_readline_name("preflab")
        ce_set_basic_word_break_characters(wordBreaks)
        ce_set_attempted_completion { text, start, _ in
            guard let text else { return nil }
            rl_attempted_completion_over = 1
            let prefix = String(cString: text)
            let line = rl_line_buffer.map { String(cString: $0) } ?? ""
            let before = String(line.unicodeScalars.prefix(Int(start)))
            let path = Completion.openString(before + prefix)
            if let path {
                Completion.candidates = Completion.paths(completing: path, word: prefix)
            } else {
                Completion.candidates = Completion.matches(for: prefix, before: before)
            }
            // libedit appends this character (a space by default) to a unique match. Only a
            // variable's name ends a word; a function's "(", a field (`x.shape` goes on with
            // `[0]`), a keyword argument's ": ", a folder's "/" and a file's closing quote do not.
            let match = Completion.candidates.count == 1 ? Completion.candidates[0] : ""
            let endsWord = path == nil && !prefix.contains(".") && !match.hasSuffix("(") && !match.hasSuffix(": ")
            ce_set_completion_append_character(endsWord ? Int32(UInt8(ascii: " ")) : 0)
            Completion.next = 0
            return rl_completion_matches(text) { _, state in
                if state == 0 { Completion.next = 0 }
                guard Completion.next < Completion.candidates.count else { return nil }
                defer { Completion.next += 1 }
                return strdup(Completion.candidates[Completion.next])
            }
        }
    }

    /// The text of the string the cursor is in (after its opening quote), or nil outside strings.
    static func openString(_ text: String) -> String? {
        var contents: String?
        var escaped = false
        for c in text {
            if escaped {
                escaped = false
                contents?.append(c)
            } else if c == "\\" {
                escaped = true
            } else if c == "\"" {
                contents = contents == nil ? "" : nil
            } else {
                contents?.append(c)
            }
        }
        return contents
    }

    /// Files and folders that complete `path`, as replacements for `word`, the end of `path`
    /// that libedit will replace (paths contain characters such as '-' that end words).
    /// A lone file completes with its closing quote: the string is done.
    static func paths(completing path: String, word: String) -> [String] {
        let folder = path.lastIndex(of: "/").map { String(path[...$0]) } ?? ""
        let partial = String(path.dropFirst(folder.count))
        let listed = (try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder)) ?? []
        let keep = path.count - word.count
        let names = listed.filter { $0.hasPrefix(partial) && (partial.hasPrefix(".") || !$0.hasPrefix(".")) }.sorted()
        return names.map { name in
            var isFolder: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: folder + name, isDirectory: &isFolder)
            let ending = isFolder.boolValue ? "/" : names.count == 1 ? "\"" : ""
            return String((folder + name + ending).dropFirst(keep))
        }
    }

    /// Completions of `prefix`, the word under the cursor, given the text before it.
    static func matches(for prefix: String, before: String) -> [String] {
        guard let interpreter else { return [] }
        if let dot = prefix.lastIndex(of: ".") {
            let receiver = String(prefix[..<dot])
            let partial = String(prefix[prefix.index(after: dot)...])
            return fields(of: interpreter.value(of: receiver)).filter { $0.hasPrefix(partial) }.map { receiver + "." + $0 }
        }
        let variables = Dictionary(interpreter.variables.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        var names = Set(interpreter.knownNames.map { name -> String in
            // Names that are not variables are builtins, all of them functions.
            switch variables[name] {
            case .function?, .builtin?, nil: return name + "("
            default: return name
            }
        })
        if let function = enclosingCall(before) {
            for parameter in interpreter.parameterNames(of: function) { names.insert(parameter + ": ") }
        }
        return names.filter { $0.hasPrefix(prefix) }.sorted()
    }

    private static func fields(of value: Value?) -> [String] {
        switch value {
        case .record(let fields)?: return Array(fields.keys)
        case .tensor?: return ["shape", "rank", "numel", "grad", "requires_grad", "T"]
        default: return []
        }
    }

    /// The name of the function whose argument list the cursor is in, if any.
    static func enclosingCall(_ text: String) -> String? {
        var depth = 0
        let scalars = Array(text.unicodeScalars)
        var i = scalars.count - 1
        while i >= 0 {
            switch scalars[i] {
            case ")", "]": depth += 1
            case "[": depth -= 1
            case "(":
                if depth == 0 {
                    var j = i - 1
                    while j >= 0, scalars[j].properties.isAlphabetic || scalars[j] == "_" || ("0"..."9").contains(scalars[j]) { j -= 1 }
                    let name = String(String.UnicodeScalarView(scalars[(j + 1)..<i]))
                    return name.isEmpty ? nil : name
                }
                depth -= 1
            default: break
            }
            i -= 1
        }
        return nil
    }
}
