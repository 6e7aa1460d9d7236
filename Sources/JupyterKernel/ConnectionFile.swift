import Base
import Foundation

/// The connection file a Jupyter client writes before starting the kernel: where to bind each
/// socket and the key that signs messages. Keys this kernel does not use are ignored.
public struct ConnectionFile: Codable, Equatable, Sendable {
    public var transport: String
    public var ip: String
    public var shellPort: Int
    public var iopubPort: Int
    public var stdinPort: Int
    public var controlPort: Int
    public var hbPort: Int
    public var key: String
    public var signatureScheme: String

    enum CodingKeys: String, CodingKey {
        case transport, ip, key
        case shellPort = "shell_port", iopubPort = "iopub_port", stdinPort = "stdin_port"
        case controlPort = "control_port", hbPort = "hb_port", signatureScheme = "signature_scheme"
    }

    /// The only scheme clients use in practice, and the only one this kernel signs with.
    public static let supportedScheme = "hmac-sha256"

    /// - Parameter file: the connection file's path, which errors name.
    public init(data: Data, file: String = "the connection file") throws {
        self = try JSONFile.decode(ConnectionFile.self, from: data, file: file)
        guard transport == "tcp" || transport == "ipc" else {
            throw PlaceError(file, "transport is \"\(transport)\"; the kernel speaks tcp and ipc")
        }
        guard signatureScheme == ConnectionFile.supportedScheme else {
            throw PlaceError(file, "signature_scheme is \"\(signatureScheme)\"; the kernel signs with \(ConnectionFile.supportedScheme)")
        }
    }

    /// The connection file at `path`, which Jupyter writes and passes as {connection_file}.
    public static func read(_ path: String) throws -> ConnectionFile {
        try ConnectionFile(data: try ReadableFile.contents(path, noun: "Jupyter connection file"), file: path)
    }

    /// The address a socket binds for `port`: tcp://ip:port, or for ipc the file ip-port.
    public func endpoint(_ port: Int) -> String {
        transport == "ipc" ? "ipc://\(ip)-\(port)" : "tcp://\(ip):\(port)"
    }
}

/// Why the kernel cannot start or go on; the message says what is wrong and what to do.
public struct KernelError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
