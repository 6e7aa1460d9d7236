import Base
import Foundation

/// What completes the word under the cursor and what documents the name there: variables and
/// builtins (functions with their opening parenthesis); fields after `.`, of any value and at
/// any depth (`run.timings.`); keyword arguments inside a call; file paths inside a string and
/// after a command that takes one. The REPL's Tab and the Jupyter kernel both ask it.
public struct Completer {
    public let interpreter: Interpreter
    /// The commands whose argument is a file (the REPL's `:load FILE`); the kernel has none.
    public let commandsTakingAPath: [String]

    public init(interpreter: Interpreter, commandsTakingAPath: [String] = []) {
        self.interpreter = interpreter
        self.commandsTakingAPath = commandsTakingAPath
    }

    /// Everything but `.` and `/` breaks words, so `run.lo` and `data/tr` complete whole.
    public static let wordBreaks: Set<Unicode.Scalar> = Set(" \t\n\"\\'`@$><=;|&{(+-*%^[],:)".unicodeScalars)

    /// Replacements for `word`, the word being completed, given the text before it.
    public func candidates(word: String, before: String) -> [String] {
        if let typed = pathBeingTyped(before + word) {
            return Completer.paths(completing: typed.path, word: word, closing: typed.closing)
        }
        return matches(for: word, before: before)
    }

    /// The path typed so far when `text` ends in one, with what ends it once complete: inside a
    /// string its closing quote, after a command that takes a file nothing (the line ends there).
    public func pathBeingTyped(_ text: String) -> (path: String, closing: String)? {
        if let string = Completer.openString(text) { return (string, "\"") }
        let line = text.drop { $0 == " " }
        guard let command = commandsTakingAPath.first(where: { line.hasPrefix($0 + " ") }) else { return nil }
        return (String(line.dropFirst(command.count).drop { $0 == " " }), "")
    }

    /// The completions at `cursor` (counted in Unicode scalars) in `text`: the scalar offset
    /// where the replaced word starts, and its replacements. The text after the cursor is ignored.
    public func complete(_ text: String, cursor: Int) -> (wordStart: Int, matches: [String]) {
        // A client may send any number: one outside the text means its end or its start.
        let scalars = Array(text.unicodeScalars.prefix(Swift.max(cursor, 0)))
        let wordStart = Completer.wordStart(scalars)
        let before = String(String.UnicodeScalarView(scalars[..<wordStart]))
        let word = String(String.UnicodeScalarView(scalars[wordStart...]))
        return (wordStart, candidates(word: word, before: before))
    }

    /// The documentation of the name at `cursor` in `text` (a builtin's help, a function's
    /// signature), or nil when the cursor is on no documented name.
    public func documentation(in text: String, cursor: Int) -> String? {
        let scalars = Array(text.unicodeScalars)
        let isNamePart = { (s: Unicode.Scalar) in s.properties.isAlphabetic || s == "_" || ("0"..."9").contains(s) }
        var start = Swift.min(Swift.max(cursor, 0), scalars.count)
        var end = start
        while start > 0, isNamePart(scalars[start - 1]) { start -= 1 }
        while end < scalars.count, isNamePart(scalars[end]) { end += 1 }
        // A cursor just after `name(` asks about `name`, as when typing its arguments.
        if start == end, let call = Completer.enclosingCall(String(String.UnicodeScalarView(scalars[..<start]))) {
            return documentation(of: call)
        }
        guard start < end else { return nil }
        return documentation(of: String(String.UnicodeScalarView(scalars[start..<end])))
    }

    /// What `help(name)` shows for a builtin or a function defined in the session.
    public func documentation(of name: String) -> String? {
        if let value = interpreter.value(of: name), case .function(let closure) = value {
            return Builtins.helpText(closure)
        }
        return try? Builtins.helpText(name)
    }

    private static func wordStart(_ scalars: [Unicode.Scalar]) -> Int {
        var start = scalars.count
        while start > 0, !wordBreaks.contains(scalars[start - 1]) { start -= 1 }
        return start
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
    /// that is replaced (paths contain characters such as '-' that end words); a leading `~` is
    /// the home folder. A lone file completes with `closing` (a string's quote): the path is done.
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
    func matches(for prefix: String, before: String) -> [String] {
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
        if let function = Completer.enclosingCall(before) {
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
