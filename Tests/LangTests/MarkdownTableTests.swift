import Testing
@testable import Lang

/// Table-shaped values become Markdown tables (a notebook shows results that way); others do not.
struct MarkdownTableTests {
    func table(_ code: String) throws -> String? {
        try Interpreter(write: { _ in }).evaluate(Source(name: "<test>", text: code)).value.markdownTable
    }

    @Test func aRecordOfEqualListsIsOneColumnPerField() throws {
        #expect(try table("{loss: [\"DPO\", \"DPOP\"], change: [-4.02, 0.37]}")
                == "| loss | change |\n| --- | --- |\n| DPO | -4.02 |\n| DPOP | 0.37 |")
    }

    @Test func aListOfRecordsWithTheSameFieldsIsOneRowEach() throws {
        #expect(try table("[{beta: 0.1, ok: true}, {beta: 0.3, ok: false}]") == "| beta | ok |\n| --- | --- |\n| 0.1 | true |\n| 0.3 | false |")
    }

    @Test func aRecordOfPlainValuesIsFieldAndValue() throws {
        #expect(try table("{name: \"a|b\", n: 3}") == "| field | value |\n| --- | --- |\n| name | a\\|b |\n| n | 3 |")
    }

    @Test func nestedUnevenOrLongDataKeepsItsTextForm() throws {
        for code in ["{a: [1, 2], b: [3]}", "{a: [1, 2], b: {c: 3}}", "[{a: 1}, {b: 2}]", "[{a: [1]}]", "{}", "[1, 2]", "3",
                     "{a: range(\(Value.maximumTableRows + 1))}"] {
            #expect(try table(code) == nil, "\(code)")
        }
    }
}
