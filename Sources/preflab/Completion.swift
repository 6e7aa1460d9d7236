import Base
import CEditLine
import Foundation
import Lang

/// Tab completion through libedit's readline emulation: variables and builtins (functions with
/// their opening parenthesis); fields after `.`, of any value and at any depth (`run.timings.`);
/// keyword arguments inside a call; file paths inside a string and after a command that takes one.
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
            let string = Completion.openString(before + prefix)
            let argument = Completion.commandPath(before + prefix)
            if let string {
                Completion.candidates = Completion.paths(completing: string, word: prefix, closing: "\"")
            } else if let argument {
                Completion.candidates = Completion.paths(completing: argument, word: prefix, closing: "")
            } else {
                Completion.candidates = Completion.matches(for: prefix, before: before)
            }
            let path = string ?? argument
            // libedit appends this character (a space by default) to a unique match. Only a
            // variable's name ends a word; a function's "(", a field (`x.shape` goes on with
            // `[0]`), a keyword argument's ": ", a folder's "/", a file's closing quote and a
            // command's file (the end of the line) do not.
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

    /// The REPL commands whose argument is a file.
    static let commandsTakingAPath = [":load", ":save", ":record"]

    /// The path typed so far after a command that takes one (`:load data/tr`), or nil.
    static func commandPath(_ text: String) -> String? {
        let line = text.drop { $0 == " " }
        guard let command = commandsTakingAPath.first(where: { line.hasPrefix($0 + " ") }) else { return nil }
        return String(line.dropFirst(command.count).drop { $0 == " " })
    }

    /// Files and folders that complete `path`, as replacements for `word`, the end of `path`
    /// that libedit will replace (paths contain characters such as '-' that end words); a
    /// leading `~` is the home folder. A lone file completes with `closing` (a string's quote):
    /// the path is done.
    static func paths(completing path: String, word: String, closing: String) -> [String] {
        let folder = path.lastIndex(of: "/").map { String(path[...$0]) } ?? ""
        let partial = String(path.dropFirst(folder.count))
        let listedFolder = UserPath.expanded(folder.isEmpty ? "." : folder)
        let listed = (try? FileManager.default.contentsOfDirectory(atPath: listedFolder)) ?? []
        let keep = path.count - word.count
        let names = listed.filter { $0.hasPrefix(partial) && (partial.hasPrefix(".") || !$0.hasPrefix(".")) }.sorted()
        return names.map { name in
            var isFolder: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: listedFolder + (folder.isEmpty ? "/" : "") + name, isDirectory: &isFolder)
            let ending = isFolder.boolValue ? "/" : names.count == 1 ? closing : ""
            return String((folder + name + ending).dropFirst(keep))
        }
    }

    /// Completions of `prefix`, the word under the cursor, given the text before it.
    static func matches(for prefix: String, before: String) -> [String] {
        guard let interpreter else { return [] }
        if let dot = prefix.lastIndex(of: ".") {
            let receiver = String(prefix[..<dot])
            let partial = String(prefix[prefix.index(after: dot)...])
            return (interpreter.fieldNames(of: receiver) ?? []).filter { $0.hasPrefix(partial) }.sorted().map { receiver + "." + $0 }
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
