import Foundation
import Testing
@testable import Lang

/// The text a program's last value shows at the prompt.
private func shown(_ code: String) throws -> String { try evaluate(code).replDescription }

/// The message of the error `code` raises (its first line), or "no error".
private func message(_ code: String) -> String {
    String(errorText { try evaluate(code) }.split(separator: "\n").first ?? "")
}

@Suite struct FormatStringTests {
    @Test func formatSpecsWriteAsPython() throws {
        // Each expected string is what Python's f-string gives for the same field.
        let cases: [(String, String)] = [
            ("f\"{0.123456:.3f}\"", "0.123"),
            ("f\"{3.14159:>8.2f}|\"", "    3.14|"),
            ("f\"{42:d}\"", "42"),
            ("f\"{0.1234:.1%}\"", "12.3%"),
            ("f\"{1234567.5:,.1f}\"", "1,234,567.5"),
            ("f\"{7:05d}\"", "00007"),
            ("f\"{-7:05d}\"", "-0007"),
            ("f\"{\"ab\":^6}|\"", "  ab  |"),
            ("f\"{\"ab\":*<5}\"", "ab***"),
            ("f\"{255:#x} {255:X} {5:b} {8:o}\"", "0xff FF 101 10"),
            ("f\"{3:+d} {3: d} {-3:+d}\"", "+3  3 -3"),
            ("f\"{-0.0:.1f} {-0.0:z.1f}\"", "-0.0 0.0"),
            ("f\"{12345.678:e} {0.00001:g} {3.14159:.3}\"", "1.234568e+04 1e-05 3.14"),
            ("f\"{nan:f} {inf:F} {-inf:.2f}\"", "nan INF -inf"),
            ("f\"{\"abcdef\":.3}\"", "abc"),
            ("f\"{1000000:_d}\"", "1_000_000"),
        ]
        for (code, expected) in cases {
            #expect(try evaluate(code).printed == expected, "\(code)")
        }
    }

    @Test func fieldsHoldAnyExpressionAndBracesEscape() throws {
        #expect(try evaluate("let name = \"dpo\"\nlet xs = [1, 2]\nf\"{{{name}}}: {xs[0] + xs[1]} {join(xs, \", \")} {len(f\"{name}!\")}\"").printed == "{dpo}: 3 1, 2 4")
        #expect(try evaluate("f\"{ {beta: 0.5}.beta :.2f}\"").printed == "0.50")
        #expect(try evaluate("let width = 7\nf\"[{2.5:>{width}.2f}]\"").printed == "[   2.50]")
    }

    @Test func valuesWithoutASpecReadAsPrintShowsThem() throws {
        #expect(try evaluate("f\"{1.5} {true} {nil} {[1, \"a\"]} {{a: 1}}\"").printed == "1.5 true nil [1, \"a\"] {a: 1}")
        // A tensor reads as inside a list; a one-element tensor takes number specs.
        #expect(try evaluate("f\"{tensor([1, 2])} {sum(tensor([0.25, 0.5])):.2f}\"").printed == "tensor([1., 2.]) 0.75")
    }

    @Test func syntaxErrorsPointAtTheField() {
        #expect(errorText { try evaluate("f\"{1:.3q}\"") }.hasPrefix("<test>:1:6: error: bad format spec '.3q': unknown type 'q'"))
        #expect(errorText { try evaluate("f\"loss {x\"") }.hasPrefix("<test>:1:8: error: unclosed '{' in an f-string"))
        #expect(errorText { try evaluate("f\"{}\"") }.hasPrefix("<test>:1:3: error: empty f-string field"))
        #expect(errorText { try evaluate("f\"a } b\"") }.hasPrefix("<test>:1:5: error: single '}' in an f-string; write '}}'"))
        #expect(errorText { try evaluate("f\"{1 2}\"") }.hasPrefix("<test>:1:6: error: expected '}' to close the f-string field"))
        #expect(errorText { try evaluate("let x = 1\n  f\"{x:{x:d}}\"") }.hasPrefix("<test>:2:10: error: a field inside a format spec takes no spec"))
        // An unclosed field is a mistake, not an unfinished entry: the REPL must not wait for more.
        #expect(!Session.needsMoreInput("f\"{x\""))
    }

    @Test func runtimeErrorsNameTheValue() {
        #expect(message("f\"{2.5:d}\"").contains("error: format type 'd' needs a whole number, got 2.5"))
        #expect(message("f\"{\"s\":.2f}\"").contains("error: format type 'f' needs a number, got a string"))
        #expect(message("f\"{\"s\":+}\"").contains("a sign, grouping or '=' alignment needs a number, got a string"))
        #expect(message("let spec = \"q\"\nf\"{1:{spec}}\"").contains("<test>:2:3: error: bad format spec 'q'"))
    }

    @Test func theSyntaxDumpShowsFieldsAndSpecs() throws {
        let program = try Parser.parse(Source(name: "<test>", text: "f\"a {x:>8.2f} {y} {z:{w}}\""))
        #expect(SyntaxDump.render(program) == "(f \"a \" {x : \">8.2f\"} \" \" {y} \" \" {z : (f {w})})")
    }
}

@Suite struct CollectionBuiltinTests {
    @Test func sortIsStableOrdersNumbersAndStringsAndTakesAKey() throws {
        #expect(try shown("sort([3, 1, nan, 2])") == "[1, 2, 3, nan]")
        #expect(try shown("sort([\"kto\", \"dpo\", \"ipo\"])") == "[\"dpo\", \"ipo\", \"kto\"]")
        #expect(try shown("sort([{l: 2, n: \"a\"}, {l: 1, n: \"b\"}, {l: 2, n: \"c\"}, {l: 1, n: \"d\"}], by: fn(r) => r.l) |> map(fn(r) => r.n)")
                == "[\"b\", \"d\", \"a\", \"c\"]")
        #expect(try shown("sort([])") == "[]")
    }

    @Test func sortRefusesMixedKinds() {
        #expect(message("sort([3, \"a\"])").contains("sort: cannot order a string (position 1) among numbers"))
        #expect(message("sort([[1], [2]])").contains("sort: sorts numbers or strings, got a list at position 0; give by:"))
    }

    @Test func zipEnumerateKeysAndValues() throws {
        #expect(try shown("zip([1, 2], [3, 4])") == "[[1, 3], [2, 4]]")
        #expect(try shown("zip([1, 2, 3], [\"a\"])") == "[[1, \"a\"]]")
        #expect(try shown("enumerate([\"dpo\", \"ipo\"])") == "[[0, \"dpo\"], [1, \"ipo\"]]")
        #expect(try shown("values({lr: 1e-5, loss: \"sigmoid\"})") == "[1e-05, \"sigmoid\"]")
        #expect(message("values([1])").contains("values: argument 'record' must be a record, got a list"))
    }

    @Test func conversionsReadArgumentsAndSayWhatTheyGot() throws {
        #expect(try shown("number(\"3.5\") + number(\" 1e-1 \")") == "3.6")
        #expect(try shown("[int(\"3\"), int(\"-12\"), int(4)]") == "[3, -12, 4]")
        #expect(message("int(\"x\")").contains("int: \"x\" is not a number"))
        #expect(message("int(\"3.5\")").contains("int: \"3.5\" is not a whole number; round(x) or floor(x) it first"))
        #expect(message("number(\"\")").contains("number: \"\" is not a number"))
        let interpreter = Interpreter(arguments: ["20"], write: { _ in })
        #expect(try interpreter.evaluate(Source(name: "<test>", text: "int(args[0]) * 2")).value.replDescription == "40")
    }
}

@Suite struct StringBuiltinTests {
    @Test func splitJoinReplaceStripContains() throws {
        #expect(try shown("split(\"a,,b\", \",\")") == "[\"a\", \"\", \"b\"]")
        #expect(try shown("split(\"  step 1\\tloss 0.5\\n\")") == "[\"step\", \"1\", \"loss\", \"0.5\"]")
        #expect(try shown("join([\"dpo\", 3, true], \", \")") == "\"dpo, 3, true\"")
        #expect(try shown("join([\"a\", \"b\"])") == "\"ab\"")
        #expect(try shown("replace(\"a-b-c\", \"-\", \"+\")") == "\"a+b+c\"")
        #expect(try shown("strip(\"  x y \\n\")") == "\"x y\"")
        #expect(try shown("[contains(\"sigmoid\", \"moi\"), contains([1, [2]], [2]), contains([1], 2), contains({beta: 1}, \"beta\")]")
                == "[true, true, false, true]")
    }

    @Test func methodSyntaxReadsAsTheFunction() throws {
        #expect(try shown("\"a=1, b=2\".replace(\" \", \"\").split(\",\").join(\";\")") == "\"a=1;b=2\"")
        #expect(try shown("\" x \".strip().contains(\"x\")") == "true")
    }

    @Test func splitStillSplitsTensors() throws {
        #expect(try shown("map(split(arange(6), [2, 4]), fn(t) => t.shape)") == "[[2], [4]]")
        #expect(try shown("len(split(ones([2, 6]), 3, axis: 1))") == "3")
        #expect(message("split(arange(6))").contains("split: a tensor splits by sizes"))
    }

    @Test func mistakesSayHowToFixThem() {
        #expect(message("join(\", \", [\"a\"])").contains("join: takes the list first: join(items, \", \")"))
        #expect(message("split(\"a\", \"\")").contains("split: the separator is empty"))
        #expect(message("replace(\"a\", \"\", \"b\")").contains("replace: old is empty"))
        #expect(message("contains(3, 1)").contains("contains: looks in a string, a list or a record, got a number"))
    }
}

@Suite struct ClockBuiltinTests {
    @Test func nowIsTheWallClockAndClockIsMonotonic() throws {
        let now = try evaluatedNumbers("now()")[0]
        #expect(Swift.abs(now - Date().timeIntervalSince1970) < 5)
        #expect(try evaluatedNumbers("let a = clock()\nlet b = clock()\nb - a")[0] >= 0)
    }

    @Test func timeRunsTheFunctionPrintsAsTimeDoesAndReturnsItsValue() throws {
        var printed = ""
        let value = try Interpreter(write: { printed += $0 }).evaluate(Source(name: "<test>", text: "time { 6 * 7 }")).value
        #expect(value.replDescription == "42")
        #expect(printed.wholeMatch(of: #/time: \d+\.\d{3} s\n/#) != nil, "\(printed)")
        #expect(Stopwatch.report(1.23456) == "time: 1.235 s")
        #expect(message("time(3)").contains("time: argument 'f' must be a function, got a number"))
    }
}

@Suite struct JSONLinesBuiltinTests {
    @Test func loadJSONLReadsWhatSaveJSONLWrote() throws {
        let code = """
            let p = save_jsonl([{step: 1, loss: 0.5, tags: ["a", nil, true]}, {step: 2, loss: 0.25, tags: []}], temp_dir() + "/log.jsonl")
            load_jsonl(p)
            """
        #expect(try shown(code) == "[{loss: 0.5, step: 1, tags: [\"a\", nil, true]}, {loss: 0.25, step: 2, tags: []}]")
    }

    @Test func badLinesAreNamedByFileAndLine() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("preflab-jsonl-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "{\"a\": 1}\n\n{\"a\": \n".write(toFile: directory + "/bad.jsonl", atomically: true, encoding: .utf8)
        #expect(message("load_jsonl(\"\(directory)/bad.jsonl\")").contains("load_jsonl: \(directory)/bad.jsonl:3: is not valid JSON"))
        #expect(message("load_jsonl(\"\")").contains("load_jsonl: argument 'path' is an empty path"))
    }
}

@Suite struct ValueSummaryTests {
    @Test func longListsShowTheirEdgesAndLength() throws {
        #expect(try shown("range(100000)") == "[0, 1, 2, ..., 99997, 99998, 99999] (100000 items)")
        #expect(try shown("range(1000)").hasSuffix("998, 999]"))
        #expect(try shown("[range(1001)]") == "[[0, 1, 2, ..., 998, 999, 1000] (1001 items)]")
        var printed = ""
        try Interpreter(write: { printed += $0 }).evaluate(Source(name: "<test>", text: "print(range(5000))"))
        #expect(printed == "[0, 1, 2, ..., 4997, 4998, 4999] (5000 items)\n")
        // JSON, what programs read, stays whole.
        #expect(try evaluate("range(2000)").json.split(separator: ",").count == 2000)
    }

    @Test func longStringsShowTheirEndsAtThePromptAndPrintWhole() throws {
        let text = try shown("join(map(range(300), fn(i) => \"abcd\"), \"\")")
        #expect(text == "\"" + String(repeating: "abcd", count: 25) + "\" ... \"" + String(repeating: "abcd", count: 25) + "\" (1200 characters)")
        #expect(try shown("join(map(range(250), fn(i) => \"abcd\"), \"\")").count == 1002)
        var printed = ""
        try Interpreter(write: { printed += $0 }).evaluate(Source(name: "<test>", text: "print(join(map(range(300), fn(i) => \"abcd\"), \"\"))"))
        #expect(printed.count == 1201)
    }
}

@Suite struct ValueSemanticsTests {
    @Test func aMethodThatWouldChangeItsReceiverIsRefusedWithTheRewrite() {
        #expect(message("let xs = [1, 2]\nxs.append(3)").contains("<test>:2:1: error: lists are values, so xs.append(3) cannot change xs; write xs = append(xs, 3)"))
        #expect(message("let r = {xs: [3, 1]}\nr.xs.sort(by: fn(x) => -x)").contains("write r.xs = sort(r.xs, by: fn(x) => -x)"))
        #expect(message("[1].append(2)").contains("write append([1], 2)"))
    }

    @Test func theFunctionFormsStillWorkAndARecordsOwnFunctionWins() throws {
        #expect(try shown("let xs = [1, 2]\nxs = append(xs, 3)\nxs = xs + [4]\nxs |> sort()") == "[1, 2, 3, 4]")
        #expect(try shown("let stack = {items: [], append: fn(x) => x * 2}\nstack.append(4)") == "8")
    }
}
