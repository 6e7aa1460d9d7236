import Foundation
import Testing

/// `preflab` as other programs call it: -e, --json, scripts, standard input, exit statuses.
@Suite struct CommandLineTests {
    @Test func evaluatesAndPrints() throws {
        let (status, out, _) = try runPreflab(["-e", "let x = 2\nx ^ 10"])
        #expect(status == 0 && out == "1024\n")
    }

    @Test func severalCodesRunInOrderInOneSession() throws {
        let (status, out, error) = try runPreflab(["-e", "print(1)", "-e", "2", "-e", "let x = 3", "-e", "x + 1;", "-e", "x * 2"])
        #expect(status == 0 && out == "1\n2\n6\n", "\(out)\(error)")
        let (failedStatus, failedOut, failedError) = try runPreflab(["-e", "1", "-e", "nope"])
        #expect(failedStatus == 1 && failedOut == "1\n")
        #expect(failedError.hasPrefix("<-e 2>:1:1: error: undefined variable 'nope'"), "\(failedError)")
        let (jsonStatus, jsonOut, _) = try runPreflab(["--json", "-e", "let x = 2", "-e", "[x, 3]"])
        #expect(jsonStatus == 0 && jsonOut == "[2, 3]\n")
    }

    @Test func helpPrintsTheOptionsAndSucceeds() throws {
        for flag in ["--help", "-h"] {
            let (status, out, error) = try runPreflab([flag])
            #expect(status == 0, "\(flag): \(error)")
            #expect(out.contains("USAGE: preflab") && out.contains("-e <CODE>") && out.contains("--notebook"), "\(flag): \(out)")
        }
        // After the script, a flag is the script's argument.
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("preflab-args-\(UUID().uuidString).pref").path
        defer { try? FileManager.default.removeItem(atPath: script) }
        try "print(args)".write(toFile: script, atomically: true, encoding: .utf8)
        let (status, out, _) = try runPreflab([script, "--help"])
        #expect(status == 0 && out == "[\"--help\"]\n")
    }

    @Test func aScriptThatIsNotUTF8NamesTheBadByte() throws {
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("preflab-latin1-\(UUID().uuidString).pref").path
        defer { try? FileManager.default.removeItem(atPath: script) }
        try Data("print(1)\nprint(\"".utf8 + [0xFF, 0x22, 0x29, 0x0A]).write(to: URL(fileURLWithPath: script))
        let (status, _, error) = try runPreflab([script])
        #expect(status == 1)
        #expect(error == "\(script): is not UTF-8 text: byte 0xFF at offset 16 (line 2) is not part of a UTF-8 character; save the file as UTF-8\n", "\(error)")
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
        #expect(out.contains("\n  session:      help, who, seed, temp_dir, now, clock, rank, world_size, time,\n"))
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

    /// The user's environment, with neither PrefLab's nor OpenBLAS's kernel choice in it.
    static let unchosen = ["PREFLAB_KERNELS", "OPENBLAS_CORETYPE"]

    @Test func versionNamesTheKernelModeAndSet() throws {
        let (status, out, error) = try runPreflab(["--version"], removing: Self.unchosen)
        #expect(status == 0 && out.hasPrefix("preflab ") && out.contains("\nkernels: fast, OpenBLAS's "), "\(out)\(error)")
        #expect(!out.contains("Prescott"), "fast mode never keeps OpenBLAS's SSE3 fallback on a CPU PrefLab runs on: \(out)")
        let (reproducibleStatus, reproducibleOut, _) = try runPreflab(["--version"], environment: ["PREFLAB_KERNELS": "reproducible"],
                                                                      removing: ["OPENBLAS_CORETYPE"])
        #expect(reproducibleStatus == 0 && reproducibleOut.contains("\nkernels: reproducible, OpenBLAS's Haswell set on "), "\(reproducibleOut)")
    }

    @Test func theFlagBeatsTheEnvironmentWhichBeatsTheDefault() throws {
        func kernels(_ arguments: [String], _ environment: [String: String]) throws -> String {
            let (status, out, error) = try runPreflab(arguments + ["--json", "-e", "kernels()"], environment: environment,
                                                 removing: Self.unchosen.filter { environment[$0] == nil })
            #expect(status == 0, "\(error)")
            return out
        }
        #expect(try kernels(["--kernels", "reproducible"], ["PREFLAB_KERNELS": "fast"]).hasPrefix("{\"mode\": \"reproducible\", \"set\": \"Haswell\", \"cpu\": "))
        #expect(try kernels([], ["PREFLAB_KERNELS": "reproducible"]).hasPrefix("{\"mode\": \"reproducible\", \"set\": \"Haswell\""))
        #expect(try kernels([], [:]).hasPrefix("{\"mode\": \"fast\""))
        // Fast mode respects the set the user gave OpenBLAS; reproducible mode does not.
        #expect(try kernels([], ["OPENBLAS_CORETYPE": "Sandybridge"]).hasPrefix("{\"mode\": \"fast\", \"set\": \"Sandybridge\""))
        #expect(try kernels(["--kernels", "reproducible"], ["OPENBLAS_CORETYPE": "Sandybridge"]).contains("\"set\": \"Haswell\""))
    }

    @Test func aBadModeIsABadCommandLineThatNamesTheValidOnes() throws {
        let (envStatus, _, envError) = try runPreflab(["-e", "1"], environment: ["PREFLAB_KERNELS": "turbo"])
        #expect(envStatus == 2 && envError.contains("PREFLAB_KERNELS: \"turbo\" is not a kernel mode; use fast or reproducible"), "\(envError)")
        let (flagStatus, _, flagError) = try runPreflab(["--kernels", "turbo", "-e", "1"])
        #expect(flagStatus == 2 && flagError.contains("'fast'") && flagError.contains("'reproducible'"), "\(flagError)")
        #expect(flagError.contains("--kernels <mode>") && flagError.contains("PREFLAB_KERNELS chooses"), "\(flagError)")
    }

    /// kernels(mode) switches OpenBLAS's set inside the running process: the product of two
    /// 512×512 matrices changes in its last bits with the set (and is still right, on OpenBLAS's
    /// thread pool), and switching back gives the first product exactly.
    @Test func kernelsSwitchAtRunTimeAndSwitchBackExactly() throws {
        let code = """
            seed(0)
            let a = randn([512, 512])
            let b = randn([512, 512])
            let portable = kernels("reproducible").set
            let first = a @ b
            let fast = kernels("fast").set
            let other = a @ b
            let back = kernels("reproducible").set
            let again = a @ b
            [portable, fast, back, item(max(abs(first - again))),
             item(max(abs(first - other))), item(max(abs(first)))]
            """
        let (status, out, error) = try runPreflab(["--json", "-e", code], removing: Self.unchosen)
        try #require(status == 0, "\(error)")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [Any], "\(out)")
        let (portable, fast, back) = (result[0] as? String, result[1] as? String, result[2] as? String)
        #expect(portable == "Haswell" && back == "Haswell", "\(out)")
        // Without AVX-512 the fast set is an AVX2 one: there is no faster set to compare with.
        let flags = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.split(separator: "\n")
            .first { $0.hasPrefix("flags") }?.split(separator: " ").map(String.init) ?? []
        guard ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"].allSatisfy(flags.contains) else { return }
        #expect(fast == "SkylakeX" || fast == "Cooperlake", "fast mode runs OpenBLAS's AVX-512 set on this CPU: \(out)")
        let (bitsApart, difference, largest) = (result[3] as? Double, result[4] as? Double, result[5] as? Double)
        #expect(bitsApart == 0, "switching back to Haswell gives its product again, value for value: \(out)")
        #expect(difference.map { $0 > 0 } == true, "\(fast ?? "?")'s product differs from Haswell's in the last bits: \(out)")
        #expect(difference.flatMap { d in largest.map { d < 1e-5 * $0 } } == true, "and is the same product: \(out)")
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
