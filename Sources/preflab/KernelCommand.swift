import ArgumentParser
import Base
import Foundation
import JupyterKernel
import Lang
import Tensor

/// `preflab kernel`: PrefLab as a Jupyter kernel, and the kernel spec that lets Jupyter start it.
struct KernelCommand: ParsableCommand {
    /// The first word of the command line that selects this command.
    static let word = "kernel"

    static let configuration = CommandConfiguration(
        commandName: "preflab \(word)",
        abstract: "Run PrefLab as a Jupyter kernel (Jupyter starts it), or install its kernel spec.",
        discussion: "First run `preflab kernel install`; JupyterLab, `jupyter console --kernel preflab` and nbconvert then offer PrefLab.",
        subcommands: [Install.self, Uninstall.self])

    @Option(help: ArgumentHelp("The connection file Jupyter wrote: the ports to bind and the key that signs messages.", valueName: "FILE"))
    var connectionFile: String?

    func run() throws {
        // Optional to the parser, so that `install` and `uninstall` do without it.
        guard let connectionFile else {
            throw ValidationError("missing --connection-file FILE: Jupyter passes it when it starts the kernel; to set the kernel up, run `preflab kernel install`")
        }
        let connection = try ConnectionFile.read(connectionFile)
        try BLASCore.applyPolicy(KernelMode.resolve(commandLine: nil))
        Interrupts.blockOnThisThread()
        let status = LargeStack.run { () -> Int32 in
            let session = Session()
            Interrupts.install(session.interpreter.interrupt)
            do {
                let kernel = try Kernel(connection: connection, session: session, version: PrefLabCommand.versionNumber,
                                        signals: .init(forgetInterrupt: Interrupts.reset, interrupted: { Interrupts.pending != nil },
                                                      endRequested: { Interrupts.endsSession }))
                return try kernel.run()
            } catch {
                report("preflab kernel: \(error)")
                return 1
            }
        }
        Foundation.exit(status)
    }

    /// Where the kernel spec is written or removed: install and uninstall take the same place.
    struct SpecPlace: ParsableArguments {
        @Flag(help: ArgumentHelp("Your Jupyter data folder (the default): \(KernelSpec.userDataFolders)."))
        var user = false

        @Option(help: ArgumentHelp("PREFIX/share/jupyter/kernels instead (a virtual environment's prefix, say); if PREFIX is not on Jupyter's path, set JUPYTER_PATH=PREFIX/share/jupyter.", valueName: "PREFIX"))
        var prefix: String?

        func validate() throws {
            if user, prefix != nil { throw ValidationError("give either --user or --prefix, not both") }
        }

        var folder: URL { KernelSpec.folder(prefix: prefix.map { UserPath.expanded($0) }) }
    }

    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the kernel spec `preflab`, which starts this preflab executable, where Jupyter finds it.")

        @OptionGroup var place: SpecPlace

        func run() throws {
            guard let executable = Bundle.main.executableURL?.resolvingSymlinksInPath().path else {
                throw KernelError("cannot tell where this preflab executable is; run it by its full path")
            }
            try KernelSpec.install(executable: executable, into: place.folder)
            print("installed the kernel spec \(KernelSpec.name) in \(place.folder.path)")
        }
    }

    struct Uninstall: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove the kernel spec `preflab` that install wrote.")

        @OptionGroup var place: SpecPlace

        func run() throws {
            if try KernelSpec.uninstall(from: place.folder) {
                print("removed the kernel spec \(KernelSpec.name) from \(place.folder.path)")
            } else {
                print("no kernel spec \(KernelSpec.name) in \(place.folder.path); nothing to remove")
            }
        }
    }
}
