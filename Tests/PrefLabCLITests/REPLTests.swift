import Foundation
import Testing

/// The REPL driven through a real pseudo-terminal.
@Suite(.serialized) struct REPLTests {
    @Test func multiLineEntriesAndAutoPrint() throws {
        let terminal = try Terminal()
        defer { terminal.close() }
        terminal.type("fn double(x) {\r")
        try terminal.expect("  ... ")
        terminal.type("  x * 2\r}\r")
        var mark = terminal.mark
        terminal.type("double(21)\r")
        mark = try terminal.expect("42", since: mark)
        terminal.type("double(1);\r")
        terminal.type("ans + 1\r")
        try terminal.expect("43", since: mark)
    }

    @Test func historyPersistsAcrossSessions() throws {
        let first = try Terminal()
        first.type("let remembered = 7\r")
        first.type("remembered * 6\r")
        try first.expect("42")
        first.close()
        let history = try String(contentsOf: first.home.appendingPathComponent(".preflab_history"), encoding: .utf8)
        #expect(history.contains("remembered"))

        let second = try Terminal(home: first.home)
        defer { second.close() }
        second.type("let remembered = 8\r")
        let mark = second.mark
        second.type("\u{1B}[A\u{1B}[A\r")  // Up twice: "remembered * 6" from the first session
        try second.expect("48", since: mark)
    }

    @Test func unicodeInputAndReverseSearch() throws {
        let terminal = try Terminal()
        defer { terminal.close() }
        var mark = terminal.mark
        terminal.type("let λ_rate = 2\r")
        terminal.type("λ_rate * 21\r")
        mark = try terminal.expect("42", since: mark)
        terminal.type("let other = 1\r")
        // Ctrl-R must reach libedit, not the cooked terminal (where it means "reprint"): wait for the prompt.
        let typed = try terminal.expect("let other = 1", since: mark)
        try terminal.expect("pref> ", since: typed)
        terminal.type("\u{12}λ_rate *")  // Ctrl-R: incremental search back through history
        Thread.sleep(forTimeInterval: 0.2)
        terminal.type("\r")
        try terminal.expect("42", since: mark)
    }

    @Test func tabCompletesNamesFieldsKeywordsAndPaths() throws {
        let terminal = try Terminal()
        defer { terminal.close() }
        terminal.type("let learning_rate_schedule = 5\r")
        var mark = terminal.mark
        terminal.type("learning_rate_sch\t + 1\r")
        mark = try terminal.expect("6", since: mark)

        terminal.type("let config = {beta_value: 3}\r")
        terminal.type("config.beta_v\t * 2\r")
        mark = try terminal.expect("6", since: mark)

        terminal.type("sum(tensor([[1, 2]]), ax\t1)\r")
        mark = try terminal.expect("[3.]", since: mark)

        let file = terminal.home.appendingPathComponent("pairs_for_completion.jsonl")
        try Data().write(to: file)
        terminal.type("\"\(terminal.home.path)/pairs_for_c\t\r")
        try terminal.expect("pairs_for_completion.jsonl\"", since: mark)
    }

    /// Fields of pairs, models, runs and records from builtins, and of nested records, complete
    /// (`low.<Tab>`, `run.timings.<Tab>`). The values are assembled at run time, so the echo of
    /// the typed code cannot match them.
    @Test func tabCompletesFieldsOfEveryValueAtAnyDepth() throws {
        let terminal = try Terminal()
        defer { terminal.close() }
        terminal.type("let low = synthetic_pairs(\"arithmetic\", count: 4, corrupt: 1, steps: 3, seed: 4242)\r")
        var mark = terminal.mark
        terminal.type("str(len(low.edit_dist\t) * 1111)\r")
        mark = try terminal.expect("\"4444\"", since: mark)
        terminal.type("str(low.stats.cou\t * 1111)\r")
        mark = try terminal.expect("\"4444\"", since: mark)

        terminal.type("let config = {optimiser: {learning_rate: 3}}\r")
        terminal.type("str(config.optimiser.learn\t * 1111)\r")
        mark = try terminal.expect("\"3333\"", since: mark)

        terminal.type("let m = new_model(vocab: 32, hidden: 16, layers: 1, heads: 2, max_len: 16)\r")
        terminal.type("str(m.hidd\t * 1111)\r")
        mark = try terminal.expect("\"17776\"", since: mark)

        terminal.type("let run = train(m, tensor([[1, 2, 3, 4, 5, 6, 7, 8, 9], [2, 3, 4, 5, 6, 7, 8, 9, 10]]), steps: 1, batch: 2, seq_len: 8, dir: temp_dir() + \"/r\")\r")
        terminal.type("str(run.timings.wal\t > 0) + str(run.model.voc\t * 1111)\r")
        try terminal.expect("\"true35552\"", since: mark, timeout: 30)
    }

    /// After `:load`, `:save` and `:record` a path completes as in a string, without the quote.
    @Test func tabCompletesPathsAfterCommands() throws {
        let terminal = try Terminal()
        defer { terminal.close() }
        let script = terminal.home.appendingPathComponent("helpers_for_loading.pref")
        try "let loaded_value = 4000 + 2\n".write(to: script, atomically: true, encoding: .utf8)
        var mark = terminal.mark
        terminal.type(":load \(terminal.home.path)/helpers_for_lo\t\r")
        terminal.type("loaded_value * 10\r")
        mark = try terminal.expect("40020", since: mark)

        let folder = terminal.home.appendingPathComponent("saved_sessions")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        terminal.type(":save \(terminal.home.path)/saved_ses\tsession.pref\r")
        // The echo of the typed path holds "saved" too: wait for the file itself.
        let saved = folder.appendingPathComponent("session.pref").path
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: saved), Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(FileManager.default.fileExists(atPath: saved), "\(terminal.screen)")
    }

    /// `:help` and `help` are wrapped to the terminal's width: COLUMNS here, as `script`'s
    /// terminal does not say its size.
    @Test func helpIsWrappedToTheTerminal() throws {
        let terminal = try Terminal(environment: ["COLUMNS": "50"])
        defer { terminal.close() }
        let start = terminal.mark
        terminal.type(":help\r")
        let mark = try terminal.expect("the last value", since: start)
        terminal.type("?softmax\r")
        let end = try terminal.expect("Example:", since: mark)
        let screen = terminal.screen
        let shown = screen[screen.index(screen.startIndex, offsetBy: start)..<screen.index(screen.startIndex, offsetBy: end)]
        let lines = shown.split(separator: "\n").filter { !$0.contains("pref>") }
        #expect(lines.allSatisfy { $0.count <= 50 }, "\(lines)")
        // :save's description continues on a second line under its first.
        #expect(lines.contains { $0.hasPrefix(String(repeating: " ", count: 17)) && $0.contains("runnable script") })
    }

    @Test func controlCStopsALoopAndKeepsVariables() throws {
        let terminal = try Terminal()
        defer { terminal.close() }
        terminal.type("let i = 0\r")
        var mark = terminal.mark
        // The message is assembled at run time, so the echo of the typed code cannot match it.
        terminal.type("while true { i = i + 1\r if i == 1000 { print(\"loo\" + \"ping\") } }\r")
        mark = try terminal.expect("looping", since: mark)
        terminal.type("\u{03}")
        mark = try terminal.expect("interrupted", since: mark)
        // The loop has printed at i == 1000; on a busy machine the Ctrl-C can land before the
        // next increment, so the kept value is at least 1000, and not 0.
        terminal.type("i >= 1000\r")
        mark = try terminal.expect("true", since: mark)
        // Ctrl-C at the prompt drops the half-typed line, even when it comes while libedit is
        // still echoing the keys.
        terminal.type("1 + ")
        terminal.type("\u{03}")
        mark = try terminal.expect("^C", since: mark)
        terminal.type("20 + 22\r")
        try terminal.expect("42", since: mark)
    }

    /// Keys typed at once with the Ctrl-C: the terminal discards the unread keys when it raises
    /// SIGINT, so a read that select had called ready could wait forever. It failed about one
    /// session in ten that way, hence twenty sessions.
    @Test func theFirstControlCInAFreshSessionCancelsTheLine() throws {
        for _ in 0..<20 {
            let terminal = try Terminal()
            defer { terminal.close() }
            let mark = try terminal.expect("pref> ")
            terminal.type("let foo = 1")
            terminal.type("\u{03}")
            try terminal.expect("^C", since: mark)
            terminal.type("foo\r")
            try terminal.expect("undefined", since: mark)
        }
    }

    @Test func plotsAreColouredOnATerminalUnlessNoColor() throws {
        let colourful = try Terminal()
        colourful.type("plot([1, 2, 3], names: [\"a\"], width: 40, height: 4)\r")
        try colourful.expect("■ a")
        #expect(colourful.raw.contains("\u{1B}[34m"))
        colourful.close()

        let plain = try Terminal(environment: ["NO_COLOR": "1"])
        plain.type("plot([1, 2, 3], names: [\"a\"], width: 40, height: 4)\r")
        try plain.expect("■ a")
        #expect(!plain.raw.contains("\u{1B}[34m"))
        plain.close()

        let (_, piped, _) = try runPreflab(["-e", "plot([1, 2, 3], width: 40, height: 4)"])
        #expect(!piped.contains("\u{1B}") && piped.contains("┤"))
    }

    @Test func commandsAndHelp() throws {
        let terminal = try Terminal()
        defer { terminal.close() }
        var mark = terminal.mark
        terminal.type("?softmax\r")
        mark = try terminal.expect("softmax(x, axis = -1)", since: mark)
        terminal.type("let w = zeros([4, 4])\r:vars\r")
        mark = try terminal.expect("[4, 4]", since: mark)
        terminal.type(":time sum(ones([10]))\r")
        mark = try terminal.expect("time: ", since: mark)
        let saved = terminal.home.appendingPathComponent("session.pref")
        terminal.type(":save \(saved.path)\r")
        try terminal.expect("saved", since: mark)
        let script = try String(contentsOf: saved, encoding: .utf8)
        #expect(script.contains("let w = zeros([4, 4])"))

        let loadable = terminal.home.appendingPathComponent("helpers.pref")
        try "fn triple(x) { x * 3 }\n".write(to: loadable, atomically: true, encoding: .utf8)
        mark = terminal.mark
        terminal.type(":load \(loadable.path)\rtriple(14)\r")
        mark = try terminal.expect("42", since: mark)

        let notebook = terminal.home.appendingPathComponent("live.md")
        terminal.type(":record \(notebook.path)\r")
        mark = try terminal.expect("recording", since: mark)
        terminal.type("print(\"hello\")\r")
        mark = try terminal.expect("hello", since: mark)
        terminal.type("1 + 1\r")
        mark = try terminal.expect("2", since: mark)
        terminal.type("spark([1, 5, 2])\r")
        mark = try terminal.expect("▁█▃", since: mark)
        try terminal.expect("pref> ", since: mark)  // the entry is recorded before the next prompt
        let markdown = try String(contentsOf: notebook, encoding: .utf8)
        #expect(markdown.contains("```pref\nprint(\"hello\")\n```\n\n```text\nhello\n```"))
        #expect(markdown.contains("```pref\n1 + 1\n```\n\n```text\n2\n```"))
        // A plot's SVG copy is saved beside the transcript and linked.
        #expect(markdown.contains("▁█▃\n```\n\n![plot 1](live-files/plot-1.svg)"))
        let svg = try String(contentsOf: terminal.home.appendingPathComponent("live-files/plot-1.svg"), encoding: .utf8)
        #expect(svg.hasPrefix("<svg"))
    }

    @Test func controlDEndsTheSessionWithStatusZeroAndKeepsTheHistory() throws {
        let terminal = try Terminal()
        defer { terminal.close() }
        var mark = terminal.mark
        terminal.type("let kept_by_control_d = 6 * 7\r")
        terminal.type("kept_by_control_d\r")
        mark = try terminal.expect("42", since: mark)
        try terminal.expect("pref> ", since: mark)
        #expect(terminal.typeControlD() == 0)
        let history = try historyItems(in: terminal.home)
        #expect(history == ["let kept_by_control_d = 6 * 7", "kept_by_control_d"])
    }

    @Test func aMultiLineEntryIsOneHistoryItem() throws {
        let first = try Terminal()
        first.type("fn twice_recalled(x) {\r")
        try first.expect("  ... ")
        first.type("  x * 2\r}\r")
        var mark = first.mark
        first.type("twice_recalled(21)\r")
        mark = try first.expect("42", since: mark)
        try first.expect("pref> ", since: mark)
        #expect(first.typeControlD() == 0)
        first.close()
        #expect(try historyItems(in: first.home) == ["fn twice_recalled(x) {\n  x * 2\n}", "twice_recalled(21)"])

        // Up twice recalls the whole definition, which runs again as one entry.
        let second = try Terminal(home: first.home)
        defer { second.close() }
        second.type("\u{1B}[A\u{1B}[A\r")
        mark = second.mark
        second.type("twice_recalled(5)\r")
        try second.expect("10", since: mark)
    }

    @Test func helpAndQuitCommands() throws {
        let terminal = try Terminal()
        defer { terminal.close() }
        let mark = terminal.mark
        terminal.type(":help\r")
        try terminal.expect(":record OUT.md", since: mark)
        terminal.type(":quit\r")
        #expect(terminal.exitStatus() == 0)
    }

    @Test func tabCompletesBuiltinsWithTheirParenthesisAndGoesOnAfterFieldsAndFolders() throws {
        let terminal = try Terminal()
        defer { terminal.close() }
        // A function completes with "(" and no space after it, so the arguments follow at once.
        var mark = terminal.mark
        terminal.type("logsumex\ttensor([0, 0]))\r")
        mark = try terminal.expect("0.6931", since: mark)
        terminal.type("let settings = {beta_value: 3}\r")
        terminal.type("settings.beta_v\t* 2\r")
        mark = try terminal.expect("settings.beta_value* 2", since: mark)
        try terminal.expect("6", since: mark)
        // After a folder, completion goes on inside it.
        let folder = terminal.home.appendingPathComponent("nested_folder_for_completion")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data().write(to: folder.appendingPathComponent("inner_file_for_completion.txt"))
        terminal.type("\"\(terminal.home.path)/nested_folder_for_c\tinner_file_for_c\t\r")
        try terminal.expect("nested_folder_for_completion/inner_file_for_completion.txt\"", since: mark)
    }

    @Test func withStandardOutputRedirectedLinesAreReadPlainly() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("preflab-out-\(UUID().uuidString).txt")
        let terminal = try Terminal(standardOutput: output)  // the prompt still shows, on standard error
        defer { terminal.close() }
        var mark = terminal.mark
        terminal.type("let base = 40\r")
        mark = try terminal.expect("pref> ", since: mark)
        terminal.type("base + 2\r")
        try terminal.expect("pref> ", since: mark)
        // Each value reaches the file as its entry ends, not only at exit.
        let deadline = Date().addingTimeInterval(10)
        while (try? String(contentsOf: output, encoding: .utf8)) != "42\n", Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        // Only the value: no banner, no prompt, no escape sequences.
        #expect(try String(contentsOf: output, encoding: .utf8) == "42\n")
        #expect(terminal.typeControlD() == 0)
        #expect(try String(contentsOf: output, encoding: .utf8) == "42\n")
    }

    @Test func trainingRedrawsItsLossPlotInPlaceWhateverNoColorSays() throws {
        let terminal = try Terminal(environment: ["NO_COLOR": "1"])
        defer { terminal.close() }
        var mark = terminal.mark
        terminal.type("let m = new_model(vocab: 16, hidden: 16, layers: 1, heads: 2, max_len: 16)\r")
        terminal.type("let run = train(m, randint(1, 16, [8, 9]), steps: 6, batch: 4, seq_len: 8, plot_every: 2, dir: temp_dir() + \"/run\");\r")
        mark = try terminal.expect("6/6", since: mark, timeout: 60)
        try terminal.expect("pref> ", since: mark)
        let raw = terminal.raw
        #expect(raw.contains("■ loss"))
        #expect(raw.range(of: "\u{1B}\\[[0-9]+F\u{1B}\\[J", options: .regularExpression) != nil, "no redraw in place")
        #expect(!raw.contains("\u{1B}[34m"), "NO_COLOR is set: no colours")
    }

    /// The entries of libedit's history file (`_HiStOrY_V2_`, then one vis(3)-encoded entry a line).
    private func historyItems(in home: URL) throws -> [String] {
        let file = try String(contentsOf: home.appendingPathComponent(".preflab_history"), encoding: .utf8)
        return file.split(separator: "\n").dropFirst().map { line in
            var bytes: [UInt8] = []
            var rest = line.utf8[...]
            while let byte = rest.first {
                // \ooo is an octal byte (\040 a space, \012 a newline).
                let octal = rest.dropFirst().prefix(3)
                if byte == UInt8(ascii: "\\"), octal.count == 3, let value = UInt8(String(decoding: octal, as: UTF8.self), radix: 8) {
                    bytes.append(value)
                    rest = rest.dropFirst(4)
                } else {
                    bytes.append(byte)
                    rest = rest.dropFirst()
                }
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}
