import ArgumentParser
import Base
import Distributed
import Foundation
import Lang
import Tensor

/// `preflab`: the REPL, script runner and one-line evaluator.
@main
struct PrefLabCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preflab",
        abstract: "PrefLab: study preference optimisation (DPO and its repairs) interactively.",
        discussion: """
            With no arguments on a terminal, starts the REPL. With a file, runs it as a script; the
            remaining arguments are the script's `args`. With standard input that is not a terminal,
            runs it as a script. Exit status: 0 success, 1 error in the program, 2 bad command line.
            `preflab kernel` runs PrefLab as a Jupyter kernel (`preflab kernel --help`).
            """)

    // Code often starts with '-' (`-e '-1 + 2'`): take the next argument as the code whatever it
    // looks like, instead of reading it as a flag and failing with "Missing value for '-e'".
    @Option(name: .customShort("e"), parsing: .unconditionalSingleValue,
            help: ArgumentHelp("Evaluate CODE and print its value; several -e run in order in one session, each value printed.", valueName: "CODE"))
    var expressions: [String] = []

    @Flag(help: "Print the final value as JSON (tensors as {\"shape\": [...], \"data\": [...]}); what the program prints goes to standard error, so standard output is that one JSON value.")
    var json = false

    @Option(help: ArgumentHelp("Run the script and write a Markdown transcript of each statement, its output and its value.", valueName: "OUT.md"))
    var notebook: String?

    @Flag(help: "Print PrefLab's version and the OpenBLAS build and kernels in use, then exit.")
    var version = false

    @Option(help: ArgumentHelp("Which OpenBLAS kernels run the matrix products: "
                               + KernelMode.allCases.map { "\($0.rawValue) (\($0.summary))" }.joined(separator: " or ")
                               + ". Without the flag, \(KernelMode.environmentVariable) chooses, else \(KernelMode.standard.rawValue).",
                               valueName: "mode"))
    var kernels: KernelMode?

    @Flag(help: "Under mpirun or srun, show what every rank prints, each line prefixed by its rank; without it only rank 0's output appears (errors always do).")
    var allRanks = false

    @Argument(parsing: .captureForPassthrough, help: ArgumentHelp("A script to run, then its arguments.", valueName: "FILE.pref"))
    var arguments: [String] = []

    static func main() {
        do {
            // The script arguments capture every word, so `kernel` is told apart before parsing.
            let words = Array(CommandLine.arguments.dropFirst())
            if words.first == KernelCommand.word {
                KernelCommand.main(Array(words.dropFirst()))
                Foundation.exit(0)
            }
            let command = try parseAsRoot() as? PrefLabCommand ?? PrefLabCommand()
            try command.validate()
            try BLASCore.applyPolicy(KernelMode.resolve(commandLine: command.kernels))
            if let problem = World.launchProblem(ProcessInfo.processInfo.environment) {
                FileHandle.standardError.write(Data("preflab: \(problem)\n".utf8))
                Foundation.exit(2)
            }
            let world = World.current
            RankOutput.setUp(world, allRanks: command.allRanks)
            Interrupts.blockOnThisThread()
            let status = LargeStack.run { command.execute() }
            // A failed rank ends the whole job, after its report: the others may wait in a collective.
            world.finish(status: status, interrupted: Interrupts.pending != nil)
            Foundation.exit(status)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(2)
        }
    }

    func validate() throws {
        // The script's arguments capture everything after the options, --help included.
        if let first = arguments.first, first == "--help" || first == "-h" {
            throw CleanExit.helpRequest(self)
        }
        if let first = arguments.first, first.hasPrefix("-"), first != "-" {
            throw ValidationError("unknown option '\(first)'")
        }
        if !expressions.isEmpty, !arguments.isEmpty, notebook == nil {
            throw ValidationError("give either -e CODE or a script file, not both")
        }
        if notebook != nil, arguments.isEmpty {
            throw ValidationError("--notebook needs a script file to run")
        }
    }

    /// Runs what the command line asks for; the process exit status.
    func execute() -> Int32 {
        if version {
            print(Self.versionReport)
            return 0
        }
        let scriptArguments = Array(arguments.dropFirst())
        if let notebook, let script = arguments.first, World.current.isRoot {
            return Notebook.run(script: script, arguments: scriptArguments, output: notebook)
        }
        if !expressions.isEmpty {
            let sources = expressions.enumerated().map { i, code in Source(name: expressions.count == 1 ? "<-e>" : "<-e \(i + 1)>", text: code) }
            return runProgram(sources, arguments: [], printValue: true)
        }
        if let script = arguments.first {
            let text: String
            do {
                text = try ReadableFile.text(script, noun: "script")
            } catch {
                report(error)
                return 1
            }
            return runProgram([Source(name: script, text: text)], arguments: scriptArguments, printValue: json)
        }
        if isatty(STDIN_FILENO) == 1 {
            return REPL(lineEditing: isatty(STDOUT_FILENO) == 1).run()
        }
        let input = FileHandle.standardInput.readDataToEndOfFile()
        return runProgram([Source(name: "<stdin>", text: String(decoding: input, as: UTF8.self))], arguments: [], printValue: json)
    }

    static let versionNumber = "0.1.0"

    /// What `--version` prints: enough to tell whether two machines compute the same figures.
    static var versionReport: String {
        let kernels = BLASCore.inUse
        return """
            preflab \(versionNumber)
            \(BLASCore.configuration)
            kernels: \(kernels.mode.rawValue), OpenBLAS's \(kernels.set) set on \(BLASCore.cpuName) — \(kernels.mode.summary)
            """
    }

    /// Runs `sources` in order in one session, printing each one's value when `printValue` (with
    /// --json, the last one's as JSON).
    private func runProgram(_ sources: [Source], arguments: [String], printValue: Bool) -> Int32 {
        // With --json another program reads standard output: keep it to the one JSON value.
        let interpreter = json ? Interpreter(arguments: arguments, write: { FileHandle.standardError.write(Data(RankOutput.printed($0).utf8)) })
                               : Interpreter(arguments: arguments, write: { Interpreter.standardOutput(RankOutput.printed($0)) })
        Interrupts.install(interpreter.interrupt)
        do {
            var last = Value.nil
            for source in sources {
                let result = try interpreter.evaluate(source)
                // A run stopped by a signal returns its value and ends its statement; the program
                // has still been interrupted.
                if let signal = Interrupts.pending {
                    report("interrupted")
                    return Interrupts.exitStatus(after: signal)
                }
                last = result.value
                if !json, printValue, !result.silenced {
                    // Unbuffered like the program's own output, so each value comes after what its code printed.
                    if case .nil = result.value {} else { Interpreter.standardOutput(result.value.replDescription + "\n") }
                }
            }
            if json { print(last.json) }
            return 0
        } catch {
            report(error)
            return exitStatus(for: error)
        }
    }
}

/// `--kernels fast|reproducible`, with the values and their check taken from the enum.
extension KernelMode: ExpressibleByArgument {}

/// A program's exit status after `error` stopped it: 128 + the signal's number when a signal
/// interrupted it (130 for Ctrl-C, as a shell reports it), 1 for any other error.
func exitStatus(for error: Error) -> Int32 {
    guard let langError = error as? LangError, langError.kind == .interrupted else { return 1 }
    return Interrupts.exitStatus(after: Interrupts.pending ?? SIGINT)
}

func report(_ error: Any) {
    RankOutput.report("\(error)")
}
