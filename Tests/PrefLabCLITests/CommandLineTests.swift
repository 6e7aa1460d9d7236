import Foundation
import Testing

/// `preflab` as other programs call it: -e, --json, scripts, standard input, exit statuses.
@Suite struct CommandLineTests {
    @Test func evaluatesAndPrints() throws {
        let (status, out, _) = try runPreflab(["-e", "let x = 2\nx ^ 10"])
        #expect(status == 0 && out == "1024\n")
    }

    @Test func codeMayStartWithAMinus() throws {
        // External checks pass any code after -e, including code that looks like a flag.
        let (status, out, error) = try runPreflab(["-e", "-1 + 2"])
        #expect(status == 0 && out == "1\n", "\(error)")
        let (jsonStatus, jsonOut, jsonError) = try runPreflab(["--json", "-e", "- 1 + 2"])
        #expect(jsonStatus == 0 && jsonOut == "1\n", "\(jsonError)")
        let (laterStatus, laterOut, _) = try runPreflab(["-e", "-(-1)", "--json"])
        #expect(laterStatus == 0 && laterOut == "1\n")
    }

    @Test func jsonIsStable() throws {
        let (status, out, _) = try runPreflab(["--json", "-e", "{n: 1.5, s: \"a\\\"b\", l: [true, nil], t: tensor([[1, 2], [3, 0.5]]), bad: nan}"])
        #expect(status == 0)
        #expect(out == "{\"n\": 1.5, \"s\": \"a\\\"b\", \"l\": [true, null], \"t\": {\"shape\": [2, 2], \"data\": [1, 2, 3, 0.5]}, \"bad\": null}\n")
    }

    @Test func scriptsSeeTheirArguments() throws {
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("args-\(UUID().uuidString).pref")
        try "print(len(args), args[0])\nargs[1]".write(to: script, atomically: true, encoding: .utf8)
        let (status, out, _) = try runPreflab([script.path, "first", "--second"])
        #expect(status == 0 && out == "2 first\n")
        // With --json, standard output is the one JSON value; what the script prints goes to stderr.
        let (jsonStatus, jsonOut, jsonError) = try runPreflab(["--json", script.path, "a", "b"])
        #expect(jsonStatus == 0 && jsonOut == "\"b\"\n" && jsonError == "2 a\n")
    }

    @Test func readsTheProgramFromStandardInput() throws {
        let (status, out, _) = try runPreflab([], input: "let total = 0\nfor i in 1..=10 { total = total + i }\nprint(total)\n")
        #expect(status == 0 && out == "55\n")
    }

    @Test func exitStatuses() throws {
        let (runtime, _, error) = try runPreflab(["-e", "zeros([2, 3]) @ zeros([4])"])
        #expect(runtime == 1 && error.contains("<-e>:1:1: error: matmul") && error.contains("[2, 3]") && error.contains("[4]"))
        let (syntax, _, syntaxError) = try runPreflab(["-e", "let = 3"])
        #expect(syntax == 1 && syntaxError.contains("<-e>:1:5: error:") && syntaxError.contains("^"))
        let (usage, _, _) = try runPreflab(["--no-such-flag"])
        #expect(usage == 2)
        let (missing, _, missingError) = try runPreflab(["/nonexistent/file.pref"])
        #expect(missing == 1 && missingError.contains("/nonexistent/file.pref"))
    }

    @Test func codeAndAScriptTogetherAreABadCommandLine() throws {
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("both-\(UUID().uuidString).pref")
        try "1 + 1".write(to: script, atomically: true, encoding: .utf8)
        let (status, out, error) = try runPreflab(["-e", "2 + 2", script.path])
        #expect(status == 2 && out.isEmpty && error.contains("give either -e CODE or a script file, not both"), "\(error)")
    }

    @Test func helpListsTheBuiltinsByTopic() throws {
        let (status, out, _) = try runPreflab(["-e", "help()"])
        #expect(status == 0 && out.hasPrefix("Builtins by topic (help(\"name\") or ?name for one):\n"))
        #expect(out.contains("\n  plots:        plot, scatter, stairs, hist, bar, heatmap, spark, panel, save\n"))
        #expect(out.contains("\n  session:      help, who, seed, temp_dir\n"))
    }

    @Test func carriageReturnEscapeIsOneCharacter() throws {
        let (status, out, _) = try runPreflab(["--json", "-e", "[\"a\\rb\", len(\"a\\rb\"), \"a\\rb\"[1] == \"\\r\"]"])
        #expect(status == 0 && out == "[\"a\\rb\", 3, true]\n", "\(out)")
    }

    @Test func aLivePlotIsNotDrawnOffATerminal() throws {
        let code = "let m = new_model(vocab: 16, hidden: 16, layers: 1, heads: 2, max_len: 16)\n"
            + "let run = train(m, randint(1, 16, [8, 9]), steps: 4, batch: 4, seq_len: 8, plot_every: 1, log_every: 2, dir: temp_dir() + \"/run\")\n"
            + "len(run.losses)"
        let (status, out, error) = try runPreflab(["-e", code])
        #expect(status == 0 && out == "4\n", "\(error)")
        // The progress lines a log gets, and nothing more.
        #expect(error.contains("step 2/4") && error.contains("step 4/4"), "\(error)")
        #expect(!error.contains("■") && !error.contains("\u{1B}"), "\(error)")
    }

    @Test func pinsOpenBLASKernelsUnlessTheUserChoseThem() throws {
        // Whatever kernels OpenBLAS picks for this CPU, preflab runs itself again with Haswell's.
        let (status, out, error) = try runPreflab(["--version"], removing: ["OPENBLAS_CORETYPE"])
        #expect(status == 0 && out.hasPrefix("preflab ") && out.contains("kernels: Haswell (PrefLab's pinned set"), "\(out)\(error)")
        let (chosenStatus, chosenOut, _) = try runPreflab(["--version"], environment: ["OPENBLAS_CORETYPE": "Sandybridge"])
        #expect(chosenStatus == 0 && chosenOut.contains("kernels: Sandybridge (not PrefLab's pinned Haswell"), "\(chosenOut)")
    }

    @Test func notebookTranscript() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("notebook-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let script = folder.appendingPathComponent("experiment.pref")
        try "let x = tensor([1, 2])\nprint(\"mean\", mean(x))\nx * 2\n".write(to: script, atomically: true, encoding: .utf8)
        let notebook = folder.appendingPathComponent("experiment.md")
        let (status, _, _) = try runPreflab(["--notebook", notebook.path, script.path])
        #expect(status == 0)
        let markdown = try String(contentsOf: notebook, encoding: .utf8)
        #expect(markdown.contains("```pref\nlet x = tensor([1, 2])\n```"))
        #expect(markdown.contains("```pref\nprint(\"mean\", mean(x))\n```\n\n```text\nmean 1.5\n"))
        #expect(markdown.contains("```text\n[2., 4.]\n[Float32 tensor of shape [2]]\n```"))
    }

    @Test func notebookSavesPlotsAsSVG() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("notebook-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let script = folder.appendingPathComponent("curves.pref")
        // A plot value, a printed plot, a plot kept in a variable (not shown) and a plain value.
        try "let x = [1, 4, 9]\nplot(x, title: \"squares\")\nprint(\"trend\", spark(x))\nlet h = hist(x);\nlen(x)\nbar([\"a\", \"b\"], [1, 2])\n"
            .write(to: script, atomically: true, encoding: .utf8)
        let notebook = folder.appendingPathComponent("curves.md")
        let (status, _, error) = try runPreflab(["--notebook", notebook.path, script.path])
        #expect(status == 0, "\(error)")
        let markdown = try String(contentsOf: notebook, encoding: .utf8)
        #expect(markdown.contains("```\n\n![plot 1](curves-files/plot-1.svg)\n\n```pref\nprint(\"trend\", spark(x))\n```"))
        #expect(markdown.contains("trend ") && markdown.contains("```\n\n![plot 2](curves-files/plot-2.svg)\n\n```pref\nlet h"))
        #expect(markdown.contains("```pref\nlen(x)\n```\n\n```text\n3\n```\n\n```pref\nbar"))
        #expect(markdown.hasSuffix("![plot 3](curves-files/plot-3.svg)\n\n"))
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("curves-files").path).sorted()
        #expect(files == ["plot-1.svg", "plot-2.svg", "plot-3.svg"])
        let first = try String(contentsOf: folder.appendingPathComponent("curves-files/plot-1.svg"), encoding: .utf8)
        #expect(first.hasPrefix("<svg") && first.contains("squares"))
    }
}
