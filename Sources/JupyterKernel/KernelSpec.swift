import Base
import Foundation

/// The kernel spec that lets Jupyter find and start PrefLab: a folder `preflab` holding
/// kernel.json, under one of the `kernels` folders Jupyter searches.
public enum KernelSpec {
    /// The name notebooks record (`metadata.kernelspec.name`) and `--kernel preflab` selects.
    public static let name = "preflab"

    /// kernel.json for the executable at `executable`: Jupyter runs it with the connection
    /// file, and interrupts it with SIGINT, which stops the running cell as Ctrl-C does at the REPL.
    public static func kernelJSON(executable: String) throws -> Data {
        let spec: JSON = [
            "argv": [.string(executable), "kernel", "--connection-file", "{connection_file}"],
            "display_name": "PrefLab",
            "language": "preflab",
            "interrupt_mode": "signal",
            "env": [:],
            "metadata": [:],
        ]
        var text = try jsonEncoder.encode(spec)
        text.append(contentsOf: Array("\n".utf8))
        return text
    }

    /// The user's Jupyter data folder, as Jupyter finds it: the order `folder` follows, for help texts.
    public static let userDataFolders = "$JUPYTER_DATA_DIR, else $XDG_DATA_HOME/jupyter, else ~/.local/share/jupyter"

    /// Where the spec goes: `prefix/share/jupyter/kernels/preflab` with a prefix, else in the
    /// user's Jupyter data folder (`userDataFolders`).
    public static func folder(prefix: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        let data: URL
        if let prefix {
            data = URL(fileURLWithPath: prefix).appendingPathComponent("share/jupyter")
        } else if let dir = environment["JUPYTER_DATA_DIR"], !dir.isEmpty {
            data = URL(fileURLWithPath: dir)
        } else if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty {
            data = URL(fileURLWithPath: xdg).appendingPathComponent("jupyter")
        } else {
            data = URL(fileURLWithPath: UserPath.expanded("~/.local/share/jupyter", home: environment["HOME"]))
        }
        return data.appendingPathComponent("kernels").appendingPathComponent(name)
    }

    /// Writes the spec into `folder`, replacing one already there, by the rules of every file
    /// PrefLab writes: the place is checked first, missing folders are created, and the file is
    /// written whole or not at all.
    public static func install(executable: String, into folder: URL) throws {
        let file = folder.appendingPathComponent("kernel.json").path
        try OutputPath.checkFile(file)
        try AtomicWrite.write(try kernelJSON(executable: executable), to: file)
    }

    /// Removes the spec in `folder`; false when there was none.
    public static func uninstall(from folder: URL) throws -> Bool {
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("kernel.json").path) else { return false }
        do {
            try FileManager.default.removeItem(at: folder)
        } catch {
            throw FileFailure.error(folder.path, error, .writing)
        }
        return true
    }
}
