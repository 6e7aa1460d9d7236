import Foundation

/// How PrefLab chooses OpenBLAS's kernel set: for speed or for figures that match every machine.
/// The command line's `--kernels`, the environment's `PREFLAB_KERNELS` and the language's
/// `kernels(mode)` all take these names.
public enum KernelMode: String, CaseIterable, Codable, Sendable {
    /// Speed first; `summary` says what it means.
    case fast
    /// The same figures on every machine; `summary` says what it means.
    case reproducible

    /// The environment variable that chooses the mode when the command line does not.
    public static let environmentVariable = "PREFLAB_KERNELS"

    /// The mode when neither the command line nor the environment chooses one.
    public static let standard = KernelMode.fast

    /// What the mode is for, in a sentence a user reads in help text.
    public var summary: String {
        switch self {
        case .fast: return "the fastest set this CPU runs; figures can differ from other machines' in the last bits"
        case .reproducible: return "OpenBLAS's \(BLASCore.portableSet) set on every machine, so that a seed gives the same figures everywhere"
        }
    }

    /// The valid names, for messages: "fast or reproducible".
    public static var validNames: String {
        let names = allCases.map(\.rawValue)
        return names.dropLast().joined(separator: ", ") + " or " + names.last!
    }

    /// The mode called `name`.
    /// - Throws: `KernelModeError` naming the valid modes; `source` says where the name came from
    ///   ("PREFLAB_KERNELS", "kernels()").
    public init(parsing name: String, from source: String) throws {
        guard let mode = KernelMode(rawValue: name) else {
            throw KernelModeError("\(source): \"\(name)\" is not a kernel mode; use \(KernelMode.validNames)")
        }
        self = mode
    }

    /// The mode `PREFLAB_KERNELS` chooses in `environment`, or nil when it is unset or empty.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> KernelMode? {
        guard let name = environment[environmentVariable], !name.isEmpty else { return nil }
        return try KernelMode(parsing: name, from: environmentVariable)
    }

    /// The mode a program runs in: the command line's choice, else the environment's, else `standard`.
    public static func resolve(commandLine: KernelMode?,
                               environment: [String: String] = ProcessInfo.processInfo.environment) throws -> KernelMode {
        if let commandLine { return commandLine }
        return try fromEnvironment(environment) ?? standard
    }
}

/// A kernel mode that does not exist, or one this CPU cannot run.
public struct KernelModeError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
