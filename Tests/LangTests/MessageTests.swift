import Foundation
import Testing
@testable import Lang

/// Errors for names that do not exist suggest the nearest one (one wording, `didYouMean`), and
/// the everyday slips (`max(3, 4)`, `0..inf`, `help(x)` of a value) say what to write instead.
@Suite struct MessageTests {
    func errorMessage(_ code: String) -> String { errorText { try evaluate(code) } }

    @Test func anUnknownFunctionSuggestsTheNearestBuiltin() {
        #expect(errorMessage("pref_trian(1)").contains("undefined function 'pref_trian'; did you mean 'pref_train'?"))
        #expect(errorMessage("fn dpo_logit(x) { x }\ndpo_logti(1)").contains("undefined function 'dpo_logti'; did you mean 'dpo_logit'?"))
    }

    @Test func anUnknownVariableSuggestsLocalsGlobalsAndBuiltins() {
        #expect(errorMessage("let lr = 1\nlt + 1").contains("undefined variable 'lt'; did you mean 'lr'?"))
        #expect(errorMessage("fn f(beta) { betta * 2 }\nf(1)").contains("undefined variable 'betta'; did you mean 'beta'?"))
        // A one-letter name is no typo of another one-letter name.
        #expect(errorMessage("let x = 1\ny + x").hasSuffix("undefined variable 'y'\n    y + x\n    ^"))
    }

    @Test func anUnknownKeywordOfAnyBuiltinSuggestsItsParameterInOneLine() {
        for builtin in Builtins.all {
            for parameter in builtin.parameters where !parameter.variadic {
                let typo = parameter.name + String(parameter.name.last!)
                let message = errorMessage("\(builtin.name)(\(typo): 1)")
                #expect(message.contains("\(builtin.name): has no parameter '\(typo)'; did you mean '\(parameter.name)'?\n"), "\(message)")
                #expect(!message.contains("usage:"), "\(message)")
            }
        }
    }

    @Test func theTypoOfTheIssueNamesLambda() {
        let message = errorMessage("pref_train(default_model(), synthetic_pairs(count: 2), lamda: 3)")
        #expect(message.hasPrefix("<test>:1:1: error: pref_train: has no parameter 'lamda'; did you mean 'lambda'?\n"), "\(message)")
    }

    @Test func anUnknownKeywordWithNothingNearPointsToHelpForLongSignatures() {
        #expect(errorMessage("pref_train(default_model(), [], zzzz: 3)").contains("has no parameter 'zzzz'; help(\"pref_train\") lists its parameters"))
        #expect(errorMessage("sum([1], zzzz: 3)").contains("has no parameter 'zzzz'; usage: sum(x, axis = nil, keepdim = false)"))
    }

    @Test func anUnknownKeywordOfAUserFunctionSuggestsItsParameter() {
        #expect(errorMessage("fn f(a, beta = 1) { a }\nf(1, betta: 2)").contains("f() has no parameter 'betta'; did you mean 'beta'?"))
        #expect(errorMessage("fn f(a, beta = 1) { a }\nf(1, zzzz: 2)").contains("f() has no parameter 'zzzz'; it takes f(a, beta = …)"))
    }

    @Test func anUnknownRecordFieldSuggestsTheNearestField() {
        #expect(errorMessage("let c = {alpha: 1, beta: 2}\nc.betaa").contains("record has no field 'betaa'; did you mean 'beta'?"))
        #expect(errorMessage("let c = {alpha: 1, beta: 2}\nc[\"alpah\"]").contains("record has no field 'alpah'; did you mean 'alpha'?"))
        #expect(errorMessage("let c = {alpha: 1, beta: 2}\nc.gamma").contains("record has no field 'gamma'; it has 'alpha', 'beta'"))
    }

    @Test func anUnknownPropertySuggestsTheNearestOne() {
        #expect(errorMessage("synthetic_pairs(count: 2).cuont").contains("a pairs has no property 'cuont'; did you mean 'count'?"))
        #expect(errorMessage("zeros([2]).shpae").contains("a tensor has no property 'shpae'; did you mean 'shape'?"))
        #expect(errorMessage("zeros([2]).sum").contains("a tensor has no property 'sum'; to call the function write .sum()"))
    }

    @Test func helpSuggestsTheNearestBuiltinOrThoseStartingSo() {
        #expect(errorMessage("help(\"pref_trian\")").contains("no builtin named 'pref_trian'; did you mean 'pref_train'?"))
        #expect(errorMessage("help(\"pref\")").contains("no builtin named 'pref'; builtins starting so: pref_loss, pref_metrics, pref_train"))
        #expect(errorMessage("help(\"zzzzzz\")").contains("no builtin named 'zzzzzz'; help() lists them all"))
    }

    @Test func helpOfAValueSaysWhatItIs() throws {
        func help(_ setup: String, _ argument: String) throws -> String {
            var written = ""
            let interpreter = Interpreter(write: { written += $0 })
            try interpreter.evaluate(Source(name: "<test>", text: setup + "\nhelp(\(argument))"))
            return written
        }
        #expect(try help("let low = {beta: 0.1, lr: 1e-5}", "low").hasPrefix("a record with fields beta, lr\n  help describes builtins"))
        #expect(try help("", "3").hasPrefix("a number: 3\n"))
        #expect(try help("", "zeros([2, 3])").hasPrefix("a Float32 tensor of shape [2, 3]\n"))
        let pairs = try help("let low = synthetic_pairs(count: 2)", "low")
        #expect(pairs.hasPrefix("<pairs: 2 pairs,") && pairs.contains("\n  properties: count, edit_distances,"), "\(pairs)")
        #expect(try help("", "plot").hasPrefix("plot("))
    }

    @Test func minAndMaxOfTwoNumbersSayHowToWriteIt() throws {
        #expect(errorMessage("min(3, 4)").contains("min: reduces one tensor or list (its second argument is an axis), and a single number has no axis; for the smaller of two values write min([3, 4]) or minimum(3, 4)"))
        #expect(errorMessage("max(2.5, 4)").contains("for the larger of two values write max([2.5, 4]) or maximum(2.5, 4)"))
        #expect(errorMessage("max(tensor([1, 2]), tensor([3, 0]))").contains("for the element-wise maximum of two tensors write maximum(a, b)"))
        #expect(try evaluatedNumbers("min([3, 4])") == [3])
        guard case .number(let larger) = try evaluate("maximum(3, 4.5)"), case .number(let smaller) = try evaluate("minimum(3, 4.5)") else {
            Issue.record("maximum and minimum of two numbers must be numbers")
            return
        }
        #expect(larger == 4.5 && smaller == 3)
        #expect(try evaluatedNumbers("maximum(nan, 1)").first?.isNaN == true)
        // A tensor's axis still reduces.
        #expect(try evaluatedNumbers("max(tensor([[1, 5], [7, 2]]), 1)") == [5, 7])
    }

    @Test func rangeBoundsMustBeFiniteWholeNumbers() {
        #expect(errorMessage("for i in 0..inf { }").contains("a range's end is inf; it must be finite (loop without an end with 'while true { … }')"))
        #expect(errorMessage("-inf..=3").contains("a range's start is -inf; it must be finite"))
        #expect(errorMessage("for i in nan..3 { }").contains("a range's start is nan; it must be a whole number"))
        #expect(errorMessage("0..2.5").contains("a range's end must be a whole number, got 2.5"))
        #expect(errorMessage("0..\"3\"").contains("a range's end must be a whole number, got a string"))
    }
}
