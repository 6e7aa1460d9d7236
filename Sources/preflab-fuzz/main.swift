import Base
import Foundation
import Lang
import Plot
import Synchronization
import Tensor

// Feeds random and mutated programs to the parser and interpreter of one long-lived session.
// A crash ends the process (that is the failure); an input running over the time limit (caught
// while it runs, by a watchdog thread), or a session whose variables stopped working after an
// input, is reported with the seed and exits 1.
// `--gguf` fuzzes the GGUF reader instead (GGUFFuzz.swift).
// Usage: preflab-fuzz [--count N] [--seed S] [--verbose] [--gguf]   (run from the repository root)

var count = 20_000
var seed: UInt64 = 1
var verbose = false
var gguf = false
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--count": count = arguments.next().flatMap { Int($0) } ?? count
    case "--seed": seed = arguments.next().flatMap { UInt64($0) } ?? seed
    case "--verbose": verbose = true
    case "--gguf": gguf = true
    default:
        FileHandle.standardError.write(Data("usage: preflab-fuzz [--count N] [--seed S] [--verbose] [--gguf]\n".utf8))
        exit(2)
    }
}

/// Programs to mutate: the language reference's examples and the golden test programs.
func corpus() -> [String] {
    var programs: [String] = []
    for guide in ["docs/language.md", "docs/plotting.md"] {
        guard let reference = try? String(contentsOfFile: guide, encoding: .utf8) else { continue }
        // save() writes files: a mutated path could land anywhere, so it stays out of the corpus.
        programs += reference.components(separatedBy: "\n").filter { $0.hasPrefix("pref> ") && !$0.contains("save(") }
            .map { String($0.dropFirst(6)) }
    }
    let golden = "Tests/LangTests/Golden"
    for kind in (try? FileManager.default.contentsOfDirectory(atPath: golden)) ?? [] {
        for file in (try? FileManager.default.contentsOfDirectory(atPath: "\(golden)/\(kind)")) ?? [] where file.hasSuffix(".pref") {
            if let text = try? String(contentsOfFile: "\(golden)/\(kind)/\(file)", encoding: .utf8) { programs.append(text) }
        }
    }
    return programs.isEmpty ? ["let x = 1\nx + 2"] : programs
}

let vocabulary = ["let", "fn", "if", "else", "for", "in", "while", "return", "break", "continue", "true", "false", "nil",
                  "and", "or", "not", "nan", "inf", "x", "y", "f", "xs", "t", "(", ")", "[", "]", "{", "}", ",", ":", ".",
                  ";", "\n", "=", "==", "+", "-", "*", "/", "%", "^", "@", "<", ">=", "..", "..=", "|>", "=>", "0", "1",
                  "-1", "2.5", "1e308", "1e-5", "9.2e18", "-9223372036854775808", "\"s\"", "\"λ✓\"", "\"\\n\"", "\"", "#", "\\",
                  "tensor", "zeros", "randn", "sum", "softmax", "grad", "reshape", "print", "help", "range", "map", "no_grad",
                  "[1, 2]", "[[1, 2], [3, 4]]", "plot", "scatter", "hist", "bar", "heatmap", "spark", "panel", "width:", "canvas:",
                  "xscale:", "\"log10\"", "axis:", "shape", "T", "to_bf16", "from_bits", "dtype:", "\"f16\"", "_", "λ", "🙂", "\u{0}",
                  "\t", " "]

/// Whole numbers at the edges of Int, of the integers Double holds exactly and of those Float
/// holds exactly, where counts and conversions overflow; and zeros and denormals. Written out in
/// full, since 1e308 parses as inf and is rejected before any arithmetic.
let boundaryNumbers = ["9223372036854775807", "-9223372036854775808", "9223372036854774784", "9.2e18", "-9.2e18",
                       "4611686018427387904", "-4611686018427387905", "9007199254740993", "-9007199254740992",
                       "16777217", "-16777216", "2147483648", "-2147483649", "1e20", "-1e20", "-0", "5e-324", "-2.2e-308"]

/// Calls whose `N`s each become a boundary or an everyday number: builtins and syntax that take
/// whole numbers (counts, extents, axes, indices, steps, bounds), which mutation alone rarely
/// hands such values.
let integerProbes = [
    "range(N)", "range(N, N)", "range(N, N, N)", "N..N", "N..=N", "len(N..=N)", "for i in N..N { break }",
    "randint(N, N, [N])", "arange(N)", "arange(N, N)", "arange(N, N, N)", "linspace(0, 1, N)", "eye(N, N)", "causal_mask(N)",
    "zeros([N, N])", "ones([N, 0, N])", "full([N], 1)", "rand([N, 0])", "randn(N)", "reshape(arange(6), [N, -1])",
    "reshape(zeros([0, N]), [N, 0])", "expand(ones([1, 2]), [N, 2])", "tolist(zeros([N, 0]))", "for r in zeros([N, 0]) { break }",
    "arange(10)[N]", "arange(10)[N:N:N]", "eye(3)[N, N:N]", "[1, 2, 3][N:N:N]", "[1, 2, 3][N]", "\"text\"[N:N]",
    "split(arange(6), N)", "split(arange(6), [N, N])", "split(zeros([0]), N)",
    "var([1, 2], correction: N)", "std(tensor([1, 2]), axis: N, correction: N)", "sum(ones([2, 3]), axis: N)",
    "sum(zeros([0, N, N]), axis: 0)", "max(ones([2, 3]), axis: N, keepdim: true)", "argmax(ones([3]), axis: N)",
    "softmax(ones([2]), axis: N)", "transpose(ones([2, 3]), N, N)", "permute(ones([2, 3]), [N, N])", "permute(zeros([0, N, N]), [2, 1, 0])",
    "unsqueeze(ones([2]), N)", "squeeze(ones([1]), N)", "concat([ones([2]), ones([2])], axis: N)", "stack([ones([2])], axis: N)",
    "index_select(ones([3, 2]), N, [N])", "gather(ones([2, 2]), N, [[N]])", "scatter_add(zeros([3]), 0, [N], [1])",
    "embedding(eye(3), [N])", "zeros([2, N, 0]) @ zeros([0, N])", "zeros([N, 0]) @ zeros([0, N])", "round(2.5, N)", "seed(N)",
]

var random = RandomGenerator(seed: seed)
func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }
func chance(_ n: UInt64) -> Bool { random.next() % n == 0 }

/// A random edit of a program: deletions, insertions, duplications and swaps of pieces of it.
func mutate(_ program: String) -> String {
    var scalars = Array(program.unicodeScalars)
    for _ in 0..<(1 + Int(random.next() % 3)) {
        let position = scalars.isEmpty ? 0 : Int(random.next() % UInt64(scalars.count + 1))
        switch random.next() % 8 {
        case 6, 7:
            // Swap one number for an awkward one: keeps the program valid and probes the runtime.
            if let digit = scalars.indices.filter({ ("0"..."9").contains(scalars[$0]) }).randomElementUsing(&random) {
                var end = digit
                while end < scalars.count, ("0"..."9").contains(scalars[end]) || scalars[end] == "." { end += 1 }
                scalars.replaceSubrange(digit..<end, with: awkwardNumber().unicodeScalars)
            }
        case 0 where !scalars.isEmpty:
            let end = min(scalars.count, position + Int(random.next() % 8))
            if position < end { scalars.removeSubrange(position..<end) }
        case 1:
            scalars.insert(contentsOf: (" " + pick(vocabulary) + " ").unicodeScalars, at: position)
        case 2 where !scalars.isEmpty:
            let start = Int(random.next() % UInt64(scalars.count))
            let piece = scalars[start..<min(scalars.count, start + Int(random.next() % 20))]
            scalars.insert(contentsOf: piece, at: position)
        case 3:
            scalars.insert(Unicode.Scalar(UInt8(random.next() % 128)), at: position)
        case 4:
            let depth = Int(random.next() % 300)
            let open = pick(["(", "[", "{", "-", "not ", "f(", "x[", "2^"])
            scalars.insert(contentsOf: String(repeating: open, count: depth).unicodeScalars, at: position)
        default:
            if scalars.count > 1 {
                let a = Int(random.next() % UInt64(scalars.count)), b = Int(random.next() % UInt64(scalars.count))
                scalars.swapAt(a, b)
            }
        }
    }
    var view = String.UnicodeScalarView()
    view.append(contentsOf: scalars)
    return String(view)
}

extension Array {
    func randomElementUsing(_ generator: inout RandomGenerator) -> Element? {
        isEmpty ? nil : self[Int(generator.next() % UInt64(count))]
    }
}

/// A number that keeps a program valid but probes the runtime: an everyday awkward one or a boundary one.
func awkwardNumber() -> String {
    chance(2) ? pick(["0", "-1", "1e308", "nan", "3", "100000", "0.5", "-0", "2"]) : pick(boundaryNumbers)
}

/// One of `integerProbes` with each `N` replaced on its own.
func integerProbe() -> String {
    var probe = ""
    for character in pick(integerProbes) {
        probe += character != "N" ? String(character) : chance(3) ? pick(["0", "1", "-1", "2", "3"]) : awkwardNumber()
    }
    return probe
}

/// Tokens strung together at random.
func soup() -> String {
    (0..<(1 + Int(random.next() % 30))).map { _ in pick(vocabulary) }.joined(separator: chance(3) ? "" : " ")
}

/// Shows a value every way PrefLab does — the prompt, print, --json and a notebook's SVG copy —
/// so a crash in printing or plot rendering is caught too, not only in evaluation.
func show(_ value: Value) {
    var shown = value.replDescription.utf8.count + value.printed.utf8.count + value.json.utf8.count
    if let figure = value.figure { shown += figure.svg().utf8.count }
    if shown < 0 { print("unreachable") }  // keeps the work from being optimised away
}

// A trap ends the process without a word about the input: keep the one running in C memory, and
// on a crash signal write it out before handing the signal back to Swift's backtracer.
var runningInput: UnsafeMutablePointer<CChar>?
var previousActions: [Int32: sigaction] = [:]
let crashSignals = [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGABRT, SIGFPE]
func reportCrash(_ signal: Int32) {
    if let input = runningInput {
        let header = "\npreflab-fuzz: crashed (signal \(signal)) on this input:\n"
        _ = header.withCString { write(2, $0, strlen($0)) }
        _ = write(2, input, strlen(input))
        _ = write(2, "\n", 1)
    }
    // Returning re-runs the faulting instruction, which now reaches the previous handler.
    if var previous = previousActions[signal] { sigaction(signal, &previous, nil) }
}
for signal in crashSignals {
    var action = sigaction(), previous = sigaction()
    action.__sigaction_handler.sa_handler = { reportCrash($0) }
    sigaction(signal, &action, &previous)
    previousActions[signal] = previous
}

/// The longest one input may run.
let timeLimit = 5.0

/// Ends the run when an input outlasts `timeLimit`, even inside a builtin that never returns to
/// the interpreter, whose step budget counts only loop iterations and calls.
final class Watchdog: Sendable {
    private struct Running: Sendable {
        let index: Int
        let input: String
        let started: DispatchTime
    }
    private let running = Mutex<Running?>(nil)

    func begin(_ index: Int, _ input: String) {
        running.withLock { $0 = Running(index: index, input: input, started: .now()) }
    }

    func end() {
        running.withLock { $0 = nil }
    }

    /// Runs on its own thread: sleeps until the running input's deadline, then checks whether
    /// that input is still the one running.
    func watch() {
        while true {
            guard let current = running.withLock({ $0 }) else {
                Thread.sleep(forTimeInterval: 0.05)  // between inputs
                continue
            }
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - current.started.uptimeNanoseconds) / 1e9
            if elapsed < timeLimit {
                Thread.sleep(forTimeInterval: timeLimit - elapsed)
                continue
            }
            // The input may have just finished; only one still running has overrun.
            guard running.withLock({ $0?.index }) == current.index else { continue }
            print("input \(current.index) (seed \(seed)) ran over the \(Int(timeLimit)) s limit without returning:\n\(current.input)")
            fflush(stdout)
            // The input is still running on the interpreter's thread: end without tearing down under it.
            _exit(1)
        }
    }
}

TensorLimits.maximumElements = 1 << 22
if gguf { GGUFFuzz.run(count: count, seed: seed, verbose: verbose) }
// Lists are shown item by item (tensors are summarised): a longer one takes seconds to show in a debug build.
LanguageLimits.maximumCollectionCount = 1 << 20
let programs = corpus()
let watchdog = Watchdog()
Thread { watchdog.watch() }.start()
LargeStack.run { fuzz() }

func fuzz() {
let interpreter = Interpreter(write: { _ in })
interpreter.stepBudget = 20_000
interpreter.define("canary_value", .number(41))
var outcomes: [String: Int] = [:]
var slowest = 0.0
let started = Date()

for index in 0..<count {
    let input: String
    switch random.next() % 10 {
    case 0...4: input = mutate(pick(programs))
    case 5: input = integerProbe()
    case 6: input = soup()
    case 7: input = pick(programs) + "\n" + pick(programs)
    default: input = mutate(mutate(pick(programs)) + "\n" + soup())
    }
    free(runningInput)
    runningInput = strdup("seed \(seed), input \(index):\n" + input)
    let start = Date()
    var outcome = "ok"
    watchdog.begin(index, input)
    do {
        let result = try interpreter.evaluate(Source(name: "<fuzz>", text: input))
        show(result.value)
    } catch let error as LangError {
        outcome = "\(error.kind)"
    } catch {
        outcome = "other error"
    }
    watchdog.end()
    let elapsed = Date().timeIntervalSince(start)
    slowest = max(slowest, elapsed)
    outcomes[outcome, default: 0] += 1
    if verbose { print("#\(index) \(outcome) \(String(format: "%.3f", elapsed))s: \(input.debugDescription)") }
    // Programs may redefine anything but the canary, which they never name: it must survive.
    let check = try? interpreter.evaluate(Source(name: "<check>", text: "canary_value + 1"))
    guard case .number(42)? = check?.value else {
        print("input \(index) left the session unusable:\n\(input)")
        exit(1)
    }
}

let seconds = Date().timeIntervalSince(started)
let summary = outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
print("fuzz: \(count) inputs (seed \(seed)) in \(String(format: "%.1f", seconds)) s, slowest \(String(format: "%.3f", slowest)) s; no crash, hang or broken session; outcomes: \(summary)")
}
